// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITokenEscrow} from "../interfaces/ITokenEscrow.sol";

/// @title The arithmetic and identities of escrow deals.
/// @notice Pure rules, kept apart so that fuzz tests can hold them to their properties directly: a deal's
/// id is the hash of its terms; a fee never exceeds its rate and is rounded down; a split hands out exactly
/// what it divides, with no dust.
library EscrowMath {
    /// @dev Basis points in a whole.
    uint256 internal constant BPS = 10_000;

    /// @dev `keccak256(abi.encode(terms))`, hashed straight from calldata: every field is static, so the
    /// struct's encoding is its twelve 32-byte words in place. The words are not validated here; `open`
    /// validates them when it logs the terms, so a non-canonical encoding hashes to an id with no deal.
    function dealId(ITokenEscrow.DealTerms calldata terms) internal pure returns (bytes32 id) {
        // Hashing the calldata in place spares every deal call re-encoding the twelve words (~1,300 gas).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, terms, 0x180)
            id := keccak256(ptr, 0x180)
        }
    }

    /// @dev `keccak256(abi.encodePacked(amounts))`: array elements are padded to 32 bytes even when packed,
    /// so this is the hash of the amounts as consecutive big-endian words.
    function milestonesCommitment(uint128[] calldata amounts) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(amounts));
    }

    /// @dev The platform's fee on a part paid to the payee, rounded down (the payee never pays more than
    /// `feeBps` of what it receives). Callers pass `part` below 2**128 and `feeBps` at most `BPS`, so the fee
    /// is at most the part.
    function feeOf(uint256 part, uint256 feeBps) internal pure returns (uint256) {
        unchecked {
            // part < 2**128 and feeBps <= 10_000 < 2**14, so the product stays below 2**142.
            return (part * feeBps) / BPS;
        }
    }

    /// @dev The fee of a part paid after `released` was paid before: the fee of the running total minus
    /// the fee already taken, so the parts of a deal together pay exactly `feeOf(their sum)`. At most
    /// `part` (the rounded-down fee of a sum grows by at most the ceiling of `part * feeBps / BPS`).
    /// Callers pass `released + part` below 2**128.
    function feeOfPart(uint256 released, uint256 part, uint256 feeBps) internal pure returns (uint256) {
        unchecked {
            // released + part < 2**128, and feeOf is monotonic, so the difference is not negative.
            return feeOf(released + part, feeBps) - feeOf(released, feeBps);
        }
    }

    /// @dev Splits `remaining` as an arbiter decides: `payeeBps` of it (rounded down) goes to the payee side,
    /// of which the fee (running total after `released`) is kept; the rest goes back to the payer.
    /// `toPayee + toPayer + fee == remaining` always. Callers pass `released + remaining` below 2**128 and
    /// both rates at most `BPS`.
    function split(
        uint256 remaining,
        uint256 released,
        uint256 payeeBps,
        uint256 feeBps
    ) internal pure returns (uint256 toPayee, uint256 toPayer, uint256 fee) {
        unchecked {
            // remaining < 2**128 and payeeBps <= 10_000 < 2**14: the product stays below 2**142; the payee's
            // gross share is at most `remaining` (payeeBps <= BPS), and its fee at most that share.
            uint256 payeeGross = (remaining * payeeBps) / BPS;
            fee = feeOfPart(released, payeeGross, feeBps);
            toPayee = payeeGross - fee;
            toPayer = remaining - payeeGross;
        }
    }
}
