// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RemitReentrantToken (test only)
/// @notice A token that, while it moves tokens for `transferFrom`, calls a hooked target with hooked data
/// and records whether that call succeeded and what it returned. It lets the remittance tests check that
/// nothing can re-enter the settlement contract while it waits on a token.
contract RemitReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public hookCalled;
    bool public hookSucceeded;
    bytes public hookResult;

    constructor() ERC20("Reentrant Token", "RNT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (hookTarget != address(0)) {
            hookCalled = true;
            // Test-only: the call's outcome is the observation, so a failure is recorded, not raised.
            // solhint-disable-next-line avoid-low-level-calls
            (hookSucceeded, hookResult) = hookTarget.call(hookData);
        }
        return super.transferFrom(from, to, value);
    }
}
