// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {EscrowMath} from "../../contracts/escrow/EscrowMath.sol";
import {TokenEscrow} from "../../contracts/escrow/TokenEscrow.sol";
import {ITenantRegistryView} from "../../contracts/interfaces/ITenantRegistry.sol";
import {ITenantRegistryErrors} from "../../contracts/interfaces/ITenantRegistryErrors.sol";
import {ITokenEscrow} from "../../contracts/interfaces/ITokenEscrow.sol";
import {TenantRegistry} from "../../contracts/tenants/TenantRegistry.sol";
import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {TenantRoles} from "../../contracts/tenants/TenantRoles.sol";
import {SettlementToken} from "../../contracts/tokens/SettlementToken.sol";
import {Tenants} from "./utils/Tenants.sol";
import {Test} from "./utils/Test.sol";

/// @dev The platform the escrow's Solidity tests run on: a registry with a buyer, a seller and an arbiter
/// tenant (all active), two settlement tokens issued by the test contract, and the escrow.
abstract contract TokenEscrowBase is Test {
    uint16 internal constant FEE_BPS = 25;
    uint64 internal constant ARBITRATION_PERIOD = 30 days;

    TenantRegistry internal registry;
    TokenEscrow internal escrow;
    SettlementToken internal hkd;
    SettlementToken internal php;

    address internal governance = makeAddr("governance");
    address internal operator = makeAddr("operator");
    address internal feeManager = makeAddr("feeManager");
    address internal collector = makeAddr("collector");
    address internal buyer = makeAddr("buyer");
    address internal seller = makeAddr("seller");
    address internal arbiter = makeAddr("arbiter");

    uint64 internal nextSalt = 1;

    function setUp() public virtual {
        registry = new TenantRegistry(governance, 0, address(0));
        vm.startPrank(governance);
        registry.grantRole(registry.OPERATOR_ROLE(), operator);
        vm.stopPrank();
        _onboard("sme-buyer", TenantRoles.MERCHANT, buyer);
        _onboard("sme-seller", TenantRoles.MERCHANT, seller);
        _onboard("trade-arbiter", TenantRoles.ARBITER, arbiter);

        hkd = new SettlementToken("Tokenized Hong Kong Dollar", "tHKD", "HKD", 2, address(this));
        php = new SettlementToken("Tokenized Philippine Peso", "tPHP", "PHP", 6, address(this));
        IERC20[] memory listed = new IERC20[](2);
        listed[0] = hkd;
        listed[1] = php;
        escrow = new TokenEscrow(
            governance,
            0,
            ITenantRegistryView(address(registry)),
            address(0),
            feeManager,
            collector,
            FEE_BPS,
            ARBITRATION_PERIOD,
            listed
        );
    }

    function _onboard(bytes32 id, uint16 roles, address admin) internal {
        Tenants.onboardActive(registry, operator, id, roles, admin);
    }

    /// @dev Mints `amount` of `token` to `payer` and approves the escrow for it.
    function _fund(SettlementToken token, address payer, uint256 amount) internal {
        token.mint(payer, amount);
        vm.prank(payer);
        token.approve(address(escrow), amount);
    }

    function _terms(IERC20 token, uint128 amount) internal returns (ITokenEscrow.DealTerms memory terms) {
        terms = ITokenEscrow.DealTerms({
            payer: buyer,
            payee: seller,
            arbiter: address(0),
            token: token,
            amount: amount,
            deadline: uint64(block.timestamp + 14 days),
            feeBps: escrow.feeBps(),
            hashFunction: ITokenEscrow.HashFunction.Keccak256,
            hashlock: bytes32(0),
            milestones: bytes32(0),
            ref: keccak256("PO-2026-0001"),
            salt: nextSalt++
        });
    }

    function _open(ITokenEscrow.DealTerms memory terms, uint128[] memory amounts) internal returns (bytes32 id) {
        vm.prank(terms.payer);
        id = escrow.open(terms, amounts);
    }

    function _status(bytes32 id) internal view returns (ITokenEscrow.DealStatus) {
        return escrow.getDeal(id).status;
    }

    function _fee(uint256 part, uint256 bps) internal pure returns (uint256) {
        return (part * bps) / 10_000;
    }
}

/// @dev Unit and fuzz tests of the escrow's rules, one property each. The mocha specification covers every
/// transition and role by example; these hold the money rules to random inputs.
contract TokenEscrowTest is TokenEscrowBase {
    // ------------------------------------------------------------ arithmetic

    /// A split hands out exactly what it divides: payee + payer + fee == remaining, with no dust.
    function testFuzz_split_handsOutExactlyTheRemainder(
        uint128 remaining,
        uint256 payeeBps,
        uint256 feeBps
    ) public pure {
        payeeBps = bound(payeeBps, 0, 10_000);
        feeBps = bound(feeBps, 0, 1_000);
        (uint256 toPayee, uint256 toPayer, uint256 fee) = EscrowMath.split(remaining, 0, payeeBps, feeBps);
        assertEq(toPayee + toPayer + fee, remaining, "payee + payer + fee");
        assertEq(toPayee + fee, (uint256(remaining) * payeeBps) / 10_000, "payee's gross share");
        assertEq(fee, _fee(toPayee + fee, feeBps), "fee on the payee's share");
    }

    /// Parts paid one after another pay together exactly the fee of their sum: the running total decides,
    /// so splitting a payment into small parts cannot avoid the fee.
    function testFuzz_feeOfPart_partsPayTheFeeOfTheirSum(uint256 seed, uint256 count, uint256 feeBps) public pure {
        count = bound(count, 1, 16);
        feeBps = bound(feeBps, 0, 1_000);
        uint256 released;
        uint256 fees;
        for (uint256 i; i < count; ++i) {
            uint256 part = bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e24);
            uint256 fee = EscrowMath.feeOfPart(released, part, feeBps);
            assertLe(fee, part, "a part's fee never exceeds the part");
            fees += fee;
            released += part;
        }
        assertEq(fees, _fee(released, feeBps), "fee of the sum");
    }

    /// The fee is the largest whole amount not above `feeBps` of the part: rounded down, never more.
    function testFuzz_feeOf_roundsDown(uint128 part, uint256 feeBps) public pure {
        feeBps = bound(feeBps, 0, 1_000);
        uint256 fee = EscrowMath.feeOf(part, feeBps);
        assertLe(fee * 10_000, uint256(part) * feeBps, "not above the rate");
        vm.assertGt((fee + 1) * 10_000, uint256(part) * feeBps, "the largest such amount");
    }

    /// The id is the keccak256 of the ABI-encoded terms, as off-chain code computes it.
    function testFuzz_dealId_isHashOfEncodedTerms(uint128 amount, uint64 salt, bytes32 ref, bytes32 hashlock) public {
        ITokenEscrow.DealTerms memory terms = _terms(hkd, amount);
        terms.salt = salt;
        terms.ref = ref;
        terms.hashlock = hashlock;
        assertEq(escrow.dealId(terms), keccak256(abi.encode(terms)), "dealId");
    }

    // ------------------------------------------------------------ whole deals

    /// Opening then releasing moves exactly the amount: the payee gets it less the fee, the fee accrues.
    function testFuzz_release_paysAmountLessFee(uint128 amount, uint256 feeBps) public {
        amount = uint128(bound(amount, 1, 1e30));
        feeBps = bound(feeBps, 0, 1_000);
        vm.prank(feeManager);
        escrow.setFeeBps(uint16(feeBps));
        _fund(hkd, buyer, amount);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, amount);
        bytes32 id = _open(terms, new uint128[](0));
        assertEq(hkd.balanceOf(address(escrow)), amount, "escrow holds the amount");

        vm.prank(buyer);
        escrow.release(terms);
        uint256 fee = _fee(amount, feeBps);
        assertEq(hkd.balanceOf(seller), amount - fee, "payee");
        assertEq(escrow.accruedFees(hkd), fee, "fee");
        assertEq(hkd.balanceOf(address(escrow)), fee, "escrow keeps only the fee");
        assertEq(uint256(_status(id)), uint256(ITokenEscrow.DealStatus.Released), "Released");
    }

    /// Milestones released one by one pay out exactly the amount, fees included, whatever the amounts.
    function testFuzz_releaseMilestone_paysOutExactlyTheAmount(uint256 seed, uint256 count) public {
        count = bound(count, 1, 16);
        uint128[] memory amounts = new uint128[](count);
        uint128 total;
        for (uint256 i; i < count; ++i) {
            amounts[i] = uint128(bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e24));
            total += amounts[i];
        }
        _fund(hkd, buyer, total);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, total);
        terms.milestones = escrow.milestonesCommitment(amounts);
        bytes32 id = _open(terms, amounts);

        for (uint256 i; i < count; ++i) {
            vm.prank(buyer);
            escrow.releaseMilestone(terms, amounts);
            assertEq(escrow.getDeal(id).milestonesReleased, i + 1, "milestones released");
        }
        assertEq(hkd.balanceOf(seller) + escrow.accruedFees(hkd), total, "payee + fees == amount");
        assertEq(escrow.accruedFees(hkd), _fee(total, FEE_BPS), "the fee of the whole deal");
        assertEq(uint256(_status(id)), uint256(ITokenEscrow.DealStatus.Released), "Released after the last");
    }

    /// After any number of milestones, a dispute resolved at any split hands out exactly the amount.
    function testFuzz_resolve_conservesTheAmount(
        uint128 first,
        uint128 second,
        uint256 released,
        uint16 payeeBps
    ) public {
        first = uint128(bound(first, 1, 1e27));
        second = uint128(bound(second, 1, 1e27));
        payeeBps = uint16(bound(payeeBps, 0, 10_000));
        uint128[] memory amounts = new uint128[](2);
        amounts[0] = first;
        amounts[1] = second;
        _fund(hkd, buyer, uint256(first) + second);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, first + second);
        terms.arbiter = arbiter;
        terms.milestones = escrow.milestonesCommitment(amounts);
        bytes32 id = _open(terms, amounts);
        if (released % 2 == 1) {
            vm.prank(buyer);
            escrow.releaseMilestone(terms, amounts);
        }
        vm.prank(seller);
        escrow.dispute(terms);
        vm.prank(arbiter);
        escrow.resolve(terms, payeeBps);

        uint256 total = uint256(first) + second;
        assertEq(hkd.balanceOf(seller) + hkd.balanceOf(buyer) + escrow.accruedFees(hkd), total, "no dust");
        assertEq(hkd.balanceOf(address(escrow)), escrow.accruedFees(hkd), "escrow keeps only fees");
        assertEq(uint256(_status(id)), uint256(ITokenEscrow.DealStatus.Resolved), "Resolved");
    }

    /// Anyone but the payee can refund exactly when the deadline has passed, and the payer gets it all back.
    function testFuzz_refund_onlyAfterTheDeadline(uint256 wait) public {
        wait = bound(wait, 0, 60 days);
        _fund(hkd, buyer, 1_000_00);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, 1_000_00);
        bytes32 id = _open(terms, new uint128[](0));
        vm.warp(block.timestamp + wait);
        bool due = block.timestamp > terms.deadline;
        if (!due) {
            vm.expectRevert(
                abi.encodeWithSelector(ITokenEscrow.EscrowNotRefundable.selector, id, uint256(terms.deadline) + 1)
            );
        }
        vm.prank(makeAddr("anyone"));
        escrow.refund(terms);
        if (due) {
            assertEq(hkd.balanceOf(buyer), 1_000_00, "payer refunded in full");
            assertEq(uint256(_status(id)), uint256(ITokenEscrow.DealStatus.Refunded), "Refunded");
        }
    }

    /// Only the preimage of the hashlock opens it, with either hash function.
    function testFuzz_claim_onlyWithThePreimage(bytes32 secret, bytes32 guess, bool reveal, bool useSha256) public {
        if (reveal) guess = secret;
        _fund(hkd, buyer, 500_00);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, 500_00);
        terms.hashFunction = useSha256 ? ITokenEscrow.HashFunction.Sha256 : ITokenEscrow.HashFunction.Keccak256;
        terms.hashlock = useSha256 ? sha256(abi.encodePacked(secret)) : keccak256(abi.encodePacked(secret));
        bytes32 id = _open(terms, new uint128[](0));
        if (guess != secret) {
            bytes32 hash = useSha256 ? sha256(abi.encodePacked(guess)) : keccak256(abi.encodePacked(guess));
            vm.expectRevert(abi.encodeWithSelector(ITokenEscrow.EscrowSecretMismatch.selector, id, hash));
        }
        escrow.claim(terms, guess);
        if (guess == secret) assertEq(hkd.balanceOf(seller), 500_00 - _fee(500_00, FEE_BPS), "payee paid");
    }

    /// A token that keeps any part of a transfer is refused, whatever it keeps.
    function testFuzz_open_rejectsTokensThatDeliverLess(uint256 transferFeeBps, uint128 amount) public {
        transferFeeBps = bound(transferFeeBps, 1, 10_000);
        amount = uint128(bound(amount, 10_000, 1e30));
        FeeOnTransferToken fot = new FeeOnTransferToken(transferFeeBps);
        vm.prank(governance);
        escrow.setSettlementToken(IERC20(address(fot)), true);
        fot.mint(buyer, amount);
        vm.prank(buyer);
        fot.approve(address(escrow), amount);
        ITokenEscrow.DealTerms memory terms = _terms(IERC20(address(fot)), amount);
        uint256 received = amount - (uint256(amount) * transferFeeBps) / 10_000;
        vm.expectRevert(
            abi.encodeWithSelector(ITokenEscrow.EscrowFundingMismatch.selector, address(fot), amount, received)
        );
        _open(terms, new uint128[](0));
    }

    // ------------------------------------------------------------ examples

    function test_open_recordsAFundedDeal() public {
        _fund(php, buyer, 2_500e6);
        ITokenEscrow.DealTerms memory terms = _terms(php, 2_500e6);
        bytes32 id = _open(terms, new uint128[](0));
        assertEq(id, keccak256(abi.encode(terms)), "id");
        assertEq(uint256(_status(id)), uint256(ITokenEscrow.DealStatus.Funded), "Funded");
        assertEq(php.balanceOf(address(escrow)), 2_500e6, "held");
    }

    function test_release_revertsForAnyoneButThePayer() public {
        _fund(hkd, buyer, 100_00);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, 100_00);
        _open(terms, new uint128[](0));
        vm.expectRevert(abi.encodeWithSelector(ITokenEscrow.EscrowNotPayer.selector, seller, buyer));
        vm.prank(seller);
        escrow.release(terms);
    }

    function test_open_revertsForASuspendedPayee() public {
        vm.prank(operator);
        registry.suspend("sme-seller", 1);
        _fund(hkd, buyer, 100_00);
        ITokenEscrow.DealTerms memory terms = _terms(hkd, 100_00);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITenantRegistryErrors.RegistryTenantNotActive.selector,
                bytes32("sme-seller"),
                ITenantRegistryErrors.TenantStatus.Suspended
            )
        );
        _open(terms, new uint128[](0));
    }
}
