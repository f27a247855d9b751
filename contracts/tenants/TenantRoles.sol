// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Role bits of tenants and members.
/// @notice A tenant holds a set of business roles; each member holds a subset of its tenant's roles,
/// plus possibly `MEMBER_ADMIN`, which lets it manage its tenant's members.
library TenantRoles {
    uint16 internal constant MERCHANT = 1 << 0;
    uint16 internal constant PAYMENT_OPERATOR = 1 << 1;
    uint16 internal constant LIQUIDITY_PROVIDER = 1 << 2;
    uint16 internal constant ARBITER = 1 << 3;
    uint16 internal constant SPONSOR = 1 << 4;

    /// @dev Every business role a tenant can hold.
    uint16 internal constant ALL_BUSINESS = MERCHANT | PAYMENT_OPERATOR | LIQUIDITY_PROVIDER | ARBITER | SPONSOR;

    /// @dev A member-only bit: the member may move its tenant's ledger money out (withdrawals). Kept apart
    /// from the business roles so that a relayer's hot key can settle remittances without being able to
    /// drain the ledger: separation of duties inside a tenant. Never a tenant role.
    uint16 internal constant TREASURY = 1 << 14;

    /// @dev A member-only bit: the member manages its tenant's members. Never a tenant role.
    uint16 internal constant MEMBER_ADMIN = 1 << 15;

    /// @dev Every bit a member can hold.
    uint16 internal constant ALL_MEMBER = ALL_BUSINESS | TREASURY | MEMBER_ADMIN;

    function includes(uint16 roles, uint16 role) internal pure returns (bool) {
        return roles & role == role;
    }
}
