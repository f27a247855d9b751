// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRemittanceSettlement} from "../../contracts/interfaces/IRemittanceSettlement.sol";
import {RemittanceRecords} from "../../contracts/remittance/RemittanceRecords.sol";
import {RemittanceBase} from "./RemittanceBase.t.sol";

/// @dev Unit and fuzz tests of the settlement rules, one property each.
contract RemittanceSettlementTest is RemittanceBase {
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    function setUp() public override {
        super.setUp();
        fund(hkOps, hkd, 1_000_000_00);
        fund(bankQuoter, php, 100_000_000_00);
    }

    function _initiate(
        uint128 amount,
        uint128 destinationAmount
    ) internal returns (IRemittanceSettlement.Remittance memory) {
        IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, amount, destinationAmount, BANK_KEY);
        vm.prank(hkOps);
        remittance.initiate(p);
        return recordOf(p);
    }

    function test_initiate_locksAndReserves() public {
        _initiate(1_000_00, 7_250_00);
        assertEq(remittance.balanceOf(HK, address(hkd)), 1_000_000_00 - 1_010_00, "sender");
        assertEq(remittance.balanceOf(BANK, address(php)), 100_000_000_00 - 7_250_00, "provider");
    }

    function test_confirmPayout_settlesBothLegsAndTheFee() public {
        IRemittanceSettlement.Remittance memory r = _initiate(1_000_00, 7_250_00);
        vm.prank(phOps);
        remittance.confirmPayout(r, "payout");
        assertEq(remittance.balanceOf(PH, address(php)), 7_250_00, "receiver");
        assertEq(remittance.balanceOf(BANK, address(hkd)), 1_000_00, "provider's source leg");
        assertEq(remittance.feesAccrued(BANK, address(hkd)), 10_00, "platform fee");
        assertEq(statusOf(r.id), uint256(IRemittanceSettlement.RemittanceStatus.PaidOut), "status");
    }

    function test_confirmPayout_revertsForAnotherOperator() public {
        IRemittanceSettlement.Remittance memory r = _initiate(1_000_00, 7_250_00);
        vm.prank(sgOps);
        vm.expectRevert(abi.encodeWithSelector(IRemittanceSettlement.RemittanceNotReceiver.selector, r.id, sgOps, PH));
        remittance.confirmPayout(r, "payout");
    }

    /// Whatever the amounts, a remittance initiated and paid out moves value and nothing else: the sender
    /// loses amount and fee, the receiver gains the destination amount, the provider swaps one for the
    /// other, the platform gains the fee, and the contract's token balances do not move.
    function testFuzz_initiateThenConfirm_conservesValue(uint128 amount, uint128 destinationAmount) public {
        amount = uint128(bound(amount, MIN, MAX));
        destinationAmount = uint128(bound(destinationAmount, 1, 10_000_000_00));
        uint256 hkdHeld = hkd.balanceOf(address(remittance));
        uint256 phpHeld = php.balanceOf(address(remittance));
        IRemittanceSettlement.Remittance memory r = _initiate(amount, destinationAmount);
        vm.prank(phOps);
        remittance.confirmPayout(r, "payout");

        assertEq(remittance.balanceOf(HK, address(hkd)), 1_000_000_00 - amount - fee(amount), "sender");
        assertEq(remittance.balanceOf(PH, address(php)), destinationAmount, "receiver");
        assertEq(remittance.balanceOf(BANK, address(hkd)), amount, "provider source");
        assertEq(remittance.balanceOf(BANK, address(php)), 100_000_000_00 - destinationAmount, "provider liquidity");
        assertEq(remittance.feesAccrued(BANK, address(hkd)), fee(amount), "fee");
        assertEq(hkd.balanceOf(address(remittance)), hkdHeld, "hkd held");
        assertEq(php.balanceOf(address(remittance)), phpHeld, "php held");
    }

    /// A rejected remittance refunds the source amount and releases the reservation; the fee pays the
    /// provider for the rate and liquidity it held; nothing else moves.
    function testFuzz_initiateThenReject_refundsAllButTheFeeToTheProvider(
        uint128 amount,
        uint128 destinationAmount
    ) public {
        amount = uint128(bound(amount, MIN, MAX));
        destinationAmount = uint128(bound(destinationAmount, 1, 10_000_000_00));
        uint256 hkdHeld = hkd.balanceOf(address(remittance));
        IRemittanceSettlement.Remittance memory r = _initiate(amount, destinationAmount);
        vm.prank(phOps);
        remittance.reject(r, 1);
        assertEq(remittance.balanceOf(HK, address(hkd)), 1_000_000_00 - fee(amount), "sender pays the fee");
        assertEq(remittance.balanceOf(BANK, address(hkd)), fee(amount), "provider earns it");
        assertEq(remittance.balanceOf(BANK, address(php)), 100_000_000_00, "reservation released");
        assertEq(remittance.feesAccrued(BANK, address(hkd)), 0, "no platform fee");
        assertEq(hkd.balanceOf(address(remittance)), hkdHeld, "hkd held");
    }

    /// The fee the contract requires is exactly the corridor's formula, and any other fee is refused.
    function testFuzz_initiate_requiresTheCorridorFee(uint128 amount, uint128 quotedFee) public {
        amount = uint128(bound(amount, MIN, MAX));
        assertEq(remittance.corridorFee(HKD_PHP, amount), fee(amount), "formula");
        vm.assume(quotedFee != fee(amount));
        IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, amount, 1, BANK_KEY);
        p.quote.fee = quotedFee;
        sign(p, BANK_KEY);
        bytes32 id = remittance.remittanceId(HK, p.clientRef);
        vm.prank(hkOps);
        vm.expectRevert(
            abi.encodeWithSelector(IRemittanceSettlement.RemittanceFeeMismatch.selector, id, quotedFee, fee(amount))
        );
        remittance.initiate(p);
    }

    /// No key but a LiquidityProvider member's of the corridor's provider makes a usable quote.
    function testFuzz_initiate_refusesAnyOtherSigner(uint256 key) public {
        key = bound(key, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
        vm.assume(key != BANK_KEY);
        IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, 1_000_00, 7_250_00, key);
        bytes32 id = remittance.remittanceId(HK, p.clientRef);
        vm.prank(hkOps);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRemittanceSettlement.RemittanceQuoteSignerNotProvider.selector,
                id,
                vm.addr(key),
                BANK
            )
        );
        remittance.initiate(p);
    }

    /// Every `s` in the upper half of the curve order, where each signature has a malleable twin, is refused.
    function testFuzz_initiate_refusesUpperHalfS(uint256 s) public {
        s = bound(s, HALF_N + 1, type(uint256).max >> 1);
        IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, 1_000_00, 7_250_00, BANK_KEY);
        p.signatureVS = bytes32((uint256(p.signatureVS) & (1 << 255)) | s);
        bytes32 id = remittance.remittanceId(HK, p.clientRef);
        vm.prank(hkOps);
        vm.expectRevert(abi.encodeWithSelector(IRemittanceSettlement.RemittanceInvalidQuoteSignature.selector, id));
        remittance.initiate(p);
    }

    /// A deadline is accepted exactly when it leaves the receiver the corridor's minimum window and is no
    /// later than the quote's latest deadline nor its expiry + settlement window.
    function testFuzz_initiate_boundsTheDeadline(uint64 offset, uint64 latestOffset) public {
        IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, 1_000_00, 7_250_00, BANK_KEY);
        p.quote.latestDeadline = uint64(block.timestamp + bound(latestOffset, 0, 2 hours));
        sign(p, BANK_KEY);
        uint256 latest = uint256(p.quote.expiry) + WINDOW;
        if (p.quote.latestDeadline < latest) latest = p.quote.latestDeadline;
        uint256 earliest = block.timestamp + RECEIVER_WINDOW;
        offset = uint64(bound(offset, 0, 2 hours + 1 days));
        p.deadline = uint64(block.timestamp + offset);
        bool valid = p.deadline >= earliest && p.deadline <= latest;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRemittanceSettlement.RemittanceInvalidDeadline.selector,
                    p.deadline,
                    earliest,
                    latest
                )
            );
        }
        vm.prank(hkOps);
        remittance.initiate(p);
    }

    /// The day's total of a sender never exceeds the cap, whatever the sequence of amounts.
    function testFuzz_dailyCap_holdsOverAnySequence(uint96[8] memory amounts) public {
        uint256 used;
        for (uint256 i; i < amounts.length; ++i) {
            uint128 amount = uint128(bound(amounts[i], MIN, MAX));
            IRemittanceSettlement.InitiateParams memory p = params(HKD_PHP, HK, PH, amount, 1, BANK_KEY);
            vm.prank(hkOps);
            if (used + amount > DAILY_CAP) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IRemittanceSettlement.RemittanceDailyCapExceeded.selector,
                        HKD_PHP,
                        HK,
                        used,
                        amount,
                        DAILY_CAP
                    )
                );
                remittance.initiate(p);
            } else {
                remittance.initiate(p);
                used += amount;
            }
            assertEq(remittance.usedToday(HKD_PHP, HK), used, "used today");
        }
    }

    /// The stored hash of a record is `keccak256(abi.encode(record))`, however the fields are chosen, and
    /// the contract recognises the record passed back in calldata.
    function testFuzz_recordHash_isTheAbiEncodingHash(IRemittanceSettlement.Remittance memory r) public pure {
        assertEq(RemittanceRecords.hash(r), keccak256(abi.encode(r)), "hash");
        bytes32 slot = RemittanceRecords.pack(
            keccak256(abi.encode(r)),
            IRemittanceSettlement.RemittanceStatus.Rejected
        );
        assertTrue(RemittanceRecords.matches(slot, keccak256(abi.encode(r))), "matches");
        assertEq(
            uint256(RemittanceRecords.statusOf(slot)),
            uint256(IRemittanceSettlement.RemittanceStatus.Rejected),
            "status"
        );
    }

    /// The digest the contract checks is the EIP-712 digest of the full quote, id included.
    function testFuzz_quoteDigest_isEip712(IRemittanceSettlement.Quote memory q, bytes32 clientRef) public view {
        bytes32 quoteId = keccak256(abi.encode(q.sendingTenant, clientRef));
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Quote(bytes32 corridorId,bytes32 sendingTenant,bytes32 receivingTenant,bytes32 quoteId,"
                    "uint128 sourceAmount,uint128 destinationAmount,uint128 fee,uint64 expiry,uint64 latestDeadline)"
                ),
                q.corridorId,
                q.sendingTenant,
                q.receivingTenant,
                quoteId,
                q.sourceAmount,
                q.destinationAmount,
                q.fee,
                q.expiry,
                q.latestDeadline
            )
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("RemittanceSettlement"),
                keccak256("1"),
                block.chainid,
                address(remittance)
            )
        );
        assertEq(
            remittance.quoteDigest(q, clientRef),
            keccak256(abi.encodePacked("\x19\x01", domain, structHash)),
            "digest"
        );
    }

    /// A record with any field changed is refused, so a settlement can only use what was initiated.
    function testFuzz_settlement_refusesAnyAlteredRecord(uint256 field, uint256 delta) public {
        IRemittanceSettlement.Remittance memory r = _initiate(1_000_00, 7_250_00);
        delta = bound(delta, 1, type(uint64).max);
        field = bound(field, 1, 9);
        if (field == 1) r.sendingTenant = bytes32(uint256(r.sendingTenant) ^ delta);
        if (field == 2) r.receivingTenant = bytes32(uint256(r.receivingTenant) ^ delta);
        if (field == 3) r.provider = bytes32(uint256(r.provider) ^ delta);
        if (field == 4) r.sourceToken = address(uint160(r.sourceToken) ^ uint160(delta));
        if (field == 5) r.destinationToken = address(uint160(r.destinationToken) ^ uint160(delta));
        if (field == 6) r.sourceAmount += uint128(delta);
        if (field == 7) r.destinationAmount += uint128(delta);
        if (field == 8) r.fee += uint128(delta);
        if (field == 9) r.deadline += uint64(delta % 1 hours) + 1;
        vm.expectRevert(abi.encodeWithSelector(IRemittanceSettlement.RemittanceRecordMismatch.selector, r.id));
        remittance.verifyRecord(r);
        // A changed receiver is refused before the record is read: the caller is not that receiver.
        vm.expectRevert(
            field == 2
                ? abi.encodeWithSelector(
                    IRemittanceSettlement.RemittanceNotReceiver.selector,
                    r.id,
                    phOps,
                    r.receivingTenant
                )
                : abi.encodeWithSelector(IRemittanceSettlement.RemittanceRecordMismatch.selector, r.id)
        );
        vm.prank(phOps);
        remittance.confirmPayout(r, "payout");
    }
}
