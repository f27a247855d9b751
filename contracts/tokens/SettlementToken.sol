// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

import {ISettlementToken} from "../interfaces/ISettlementToken.sol";

/// @title SettlementToken
/// @notice The platform's tokenized fiat: one deployment per currency, decimals chosen per currency
/// (HKD 2, PHP 2, or 6 for finer accounting).
contract SettlementToken is ISettlementToken, ERC20Permit, ERC20Pausable, AccessControl {
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    uint8 private immutable _decimals;
    string private _currency;

    /// @param name_ token name, e.g. "Tokenized Hong Kong Dollar"
    /// @param symbol_ token symbol, e.g. "tHKD"
    /// @param currency_ ISO 4217 code, e.g. "HKD"
    /// @param decimals_ decimals of the token
    /// @param issuer account given the admin, issuer and pauser roles
    constructor(
        string memory name_,
        string memory symbol_,
        string memory currency_,
        uint8 decimals_,
        address issuer
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        _decimals = decimals_;
        _currency = currency_;
        _grantRole(DEFAULT_ADMIN_ROLE, issuer);
        _grantRole(ISSUER_ROLE, issuer);
        _grantRole(PAUSER_ROLE, issuer);
    }

    /// @inheritdoc ISettlementToken
    function currency() external view returns (string memory) {
        return _currency;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc ISettlementToken
    function burn(uint256 amount) external onlyRole(ISSUER_ROLE) {
        _burn(_msgSender(), amount);
    }

    /// @inheritdoc ISettlementToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ISettlementToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc ERC20
    function decimals() public view override(ERC20, IERC20Metadata) returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        super._update(from, to, value);
    }
}
