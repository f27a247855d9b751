// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken (test only)
/// @notice A token that, once armed, calls back into a target (the escrow) in the middle of every transfer,
/// as a malicious or hook-carrying token would, and bubbles up the target's revert. Contracts that move
/// tokens must refuse the re-entry.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _payload;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes every later transfer call `target` with `payload` (an empty payload disarms).
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (_payload.length == 0 || from == address(0)) return;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = _target.call(_payload);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
    }
}
