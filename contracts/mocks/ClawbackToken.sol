// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ClawbackToken (test only)
/// @notice A token that, on every transfer, burns twice the amount from the receiver (as far as it holds
/// it): a receiver already holding some ends with less than before. Business contracts must report that
/// as a shortfall, not fail with an arithmetic panic.
contract ClawbackToken is ERC20 {
    constructor() ERC20("Clawback", "CLAW") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == address(0) || to == address(0)) return;
        uint256 held = balanceOf(to);
        uint256 clawback = 2 * value < held ? 2 * value : held;
        super._update(to, address(0), clawback);
    }
}
