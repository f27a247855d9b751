// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken (test only)
/// @notice A token that burns `feeBps` of every transfer, so the receiver gets less than was sent.
/// Business contracts must refuse it: they record what was asked, not what arrived.
contract FeeOnTransferToken is ERC20 {
    uint256 private immutable _feeBps;

    constructor(uint256 feeBps) ERC20("Fee On Transfer", "FOT") {
        _feeBps = feeBps;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * _feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
