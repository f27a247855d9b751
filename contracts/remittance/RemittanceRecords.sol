// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRemittanceSettlement} from "../interfaces/IRemittanceSettlement.sol";

// Hashing in place is this library's purpose: `abi.encode` would copy every record and quote into fresh
// memory first, which costs about 1,000 gas a remittance and grows memory through a batch. Each block
// only reads its inputs and writes at the free memory pointer as scratch, without moving it.
// solhint-disable no-inline-assembly

/// @title How a remittance is identified, hashed and stored.
/// @notice A remittance occupies one storage slot: the keccak256 of its ABI-encoded record, with the
/// lowest byte replaced by its status. The 248 bits of hash left are far beyond any collision search,
/// and one slot serves as the record, the quote's single-use mark and the client reference's
/// idempotency key, because the three share one id.
library RemittanceRecords {
    /// @dev The EIP-712 type of a quote: the fields of `IRemittanceSettlement.Quote`, with the quote id fourth.
    bytes32 internal constant QUOTE_TYPEHASH = keccak256(
        "Quote(bytes32 corridorId,bytes32 sendingTenant,bytes32 receivingTenant,bytes32 quoteId,"
        "uint128 sourceAmount,uint128 destinationAmount,uint128 fee,uint64 expiry,uint64 latestDeadline)"
    );

    /// @dev ABI size of a `Remittance`: ten static words.
    uint256 private constant RECORD_SIZE = 10 * 32;

    bytes32 private constant STATUS_MASK = bytes32(uint256(0xff));

    /// @notice The id of the remittance an operator's client reference creates, which is also the id of
    /// the quote it is priced with: `keccak256(abi.encode(sendingTenant, clientRef))`.
    function idOf(bytes32 sendingTenant, bytes32 clientRef) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, sendingTenant)
            mstore(0x20, clientRef)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @notice The EIP-712 struct hash of a quote whose id is `quoteId`.
    /// @dev `IRemittanceSettlement.Quote` is static, so its calldata is its ABI encoding, and EIP-712
    /// encodes each field as one 32-byte word: the struct hash is the type hash, the quote's first three
    /// words, the id, then its last five words, hashed in place without the ABI encoder's copy. Calldata
    /// with dirty high bits hashes differently from the clean values a provider signs, so it can only
    /// fail the signature check.
    function structHash(
        IRemittanceSettlement.Quote calldata quote,
        bytes32 quoteId
    ) internal pure returns (bytes32 result) {
        bytes32 typeHash = QUOTE_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), quote, 0x60)
            mstore(add(ptr, 0x80), quoteId)
            calldatacopy(add(ptr, 0xa0), add(quote, 0x60), 0xa0)
            result := keccak256(ptr, 0x140)
        }
    }

    /// @notice The hash of a record built in memory (at initiation): `keccak256(abi.encode(record))`.
    /// @dev A memory struct of static fields is laid out as its ABI encoding, one word per field, so it
    /// is hashed in place rather than copied by `abi.encode` first.
    function hash(IRemittanceSettlement.Remittance memory record) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            result := keccak256(record, RECORD_SIZE)
        }
    }

    /// @notice The hash of a record passed back in calldata; equal to `hash` of the same values.
    /// @dev A `Remittance` is static: its calldata is its ABI encoding. Dirty high bits make the hash
    /// differ from the stored one, so a malformed record is refused as a mismatch.
    function hashCalldata(IRemittanceSettlement.Remittance calldata record) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, record, RECORD_SIZE)
            h := keccak256(ptr, RECORD_SIZE)
        }
    }

    /// @notice The stored slot of a record with `recordHash` in status `status`.
    function pack(bytes32 recordHash, IRemittanceSettlement.RemittanceStatus status) internal pure returns (bytes32) {
        return (recordHash & ~STATUS_MASK) | bytes32(uint256(status));
    }

    /// @notice The status packed in a stored slot (`None` for an empty slot).
    function statusOf(bytes32 slot) internal pure returns (IRemittanceSettlement.RemittanceStatus) {
        return IRemittanceSettlement.RemittanceStatus(uint8(uint256(slot)));
    }

    /// @notice Whether a stored slot holds the record with `recordHash`, whatever its status.
    function matches(bytes32 slot, bytes32 recordHash) internal pure returns (bool) {
        return (slot ^ recordHash) & ~STATUS_MASK == 0;
    }
}
