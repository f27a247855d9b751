// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title A member record packed in one storage slot: its tenant id and its roles.
/// @notice Tenant ids are 30-byte values in a bytes32 (a short label, left-aligned, as `bytes32("hk-wallet")`
/// and ethers' `encodeBytes32String` produce it), so their lowest 16 bits are free and hold the member's
/// roles. Every business call checks membership, and one cold storage read answers who an account acts
/// for and with which roles.
library MemberRecords {
    /// @dev The low 16 bits of a packed record: the member's roles.
    bytes32 internal constant ROLES_MASK = bytes32(uint256(type(uint16).max));

    /// @notice Whether `tenantId` can be packed: its lowest 16 bits are zero.
    function isPackable(bytes32 tenantId) internal pure returns (bool) {
        return tenantId & ROLES_MASK == 0;
    }

    /// @notice The record of a member of `tenantId` (packable) holding `memberRoles`.
    function pack(bytes32 tenantId, uint16 memberRoles) internal pure returns (bytes32) {
        return tenantId | bytes32(uint256(memberRoles));
    }

    /// @notice The tenant of a record (zero for no member).
    function tenant(bytes32 record) internal pure returns (bytes32) {
        return record & ~ROLES_MASK;
    }

    /// @notice The roles of a record.
    function roles(bytes32 record) internal pure returns (uint16) {
        return uint16(uint256(record));
    }
}
