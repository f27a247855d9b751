// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {TokenEscrow} from "../../contracts/escrow/TokenEscrow.sol";
import {ITokenEscrow} from "../../contracts/interfaces/ITokenEscrow.sol";
import {SettlementToken} from "../../contracts/tokens/SettlementToken.sol";
import {TokenEscrowBase} from "./TokenEscrow.t.sol";
import {Test} from "./utils/Test.sol";

/// @dev Drives the escrow through random sequences of every deal operation, by every kind of caller, across
/// two tokens and through time, and keeps a ghost list of the deals it opened with their milestones, secrets,
/// and the final status each reached first.
contract EscrowHandler is Test {
    uint256 internal constant MAX_AMOUNT = 1e15;

    TokenEscrow public immutable escrow;
    address internal immutable buyer;
    address internal immutable seller;
    address internal immutable arbiter;
    address internal immutable feeManager;
    IERC20[2] public tokens;

    ITokenEscrow.DealTerms[] internal _deals;
    mapping(uint256 index => uint128[] amounts) internal _milestones;
    mapping(uint256 index => bytes32 secret) internal _secrets;
    /// @dev The first final status each deal reached (None while it is open).
    mapping(uint256 index => ITokenEscrow.DealStatus status) public firstFinalStatus;

    uint64 internal _salt;

    constructor(
        TokenEscrow escrow_,
        IERC20[2] memory tokens_,
        address buyer_,
        address seller_,
        address arbiter_,
        address feeManager_
    ) {
        escrow = escrow_;
        tokens = tokens_;
        buyer = buyer_;
        seller = seller_;
        arbiter = arbiter_;
        feeManager = feeManager_;
    }

    // ------------------------------------------------------------ opening

    function open(uint256 tokenSeed, uint256 amount, uint256 days_, bool withArbiter, uint256 parts) external {
        ITokenEscrow.DealTerms memory terms = _baseTerms(tokenSeed, amount, days_, withArbiter);
        uint256 count = bound(parts, 0, 4);
        uint128[] memory amounts = new uint128[](count);
        if (count != 0 && terms.amount >= count) {
            uint128 part = terms.amount / uint128(count);
            for (uint256 i; i < count; ++i) amounts[i] = part;
            amounts[count - 1] = terms.amount - part * uint128(count - 1);
            terms.milestones = escrow.milestonesCommitment(amounts);
        } else {
            amounts = new uint128[](0);
        }
        vm.prank(buyer);
        try escrow.open(terms, amounts) {
            _milestones[_deals.length] = amounts;
            _deals.push(terms);
        } catch {}
    }

    function openHashlocked(uint256 tokenSeed, uint256 amount, uint256 days_, bytes32 secret, bool useSha256) external {
        ITokenEscrow.DealTerms memory terms = _baseTerms(tokenSeed, amount, days_, true);
        terms.hashFunction = useSha256 ? ITokenEscrow.HashFunction.Sha256 : ITokenEscrow.HashFunction.Keccak256;
        terms.hashlock = useSha256 ? sha256(abi.encodePacked(secret)) : keccak256(abi.encodePacked(secret));
        vm.prank(buyer);
        try escrow.open(terms, new uint128[](0)) {
            _secrets[_deals.length] = secret;
            _deals.push(terms);
        } catch {}
    }

    // ------------------------------------------------------------ settling

    function release(uint256 i, uint256 callerSeed) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        vm.prank(_caller(callerSeed, buyer));
        try escrow.release(_deals[i]) {} catch {}
        _sync();
    }

    function releaseMilestone(uint256 i, uint256 callerSeed) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        vm.prank(_caller(callerSeed, buyer));
        try escrow.releaseMilestone(_deals[i], _milestones[i]) {} catch {}
        _sync();
    }

    function claim(uint256 i, uint256 callerSeed, bool rightSecret) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        bytes32 secret = rightSecret ? _secrets[i] : keccak256(abi.encode(_secrets[i]));
        vm.prank(_caller(callerSeed, seller));
        try escrow.claim(_deals[i], secret) {} catch {}
        _sync();
    }

    function refund(uint256 i, uint256 callerSeed) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        vm.prank(_caller(callerSeed, seller));
        try escrow.refund(_deals[i]) {} catch {}
        _sync();
    }

    function dispute(uint256 i, uint256 callerSeed) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        vm.prank(_caller(callerSeed, seller));
        try escrow.dispute(_deals[i]) {} catch {}
        _sync();
    }

    function resolve(uint256 i, uint256 callerSeed, uint256 payeeBps) external {
        if (_deals.length == 0) return;
        i = i % _deals.length;
        payeeBps = bound(payeeBps, 0, 10_000);
        vm.prank(_caller(callerSeed, arbiter));
        try escrow.resolve(_deals[i], uint16(payeeBps)) {} catch {}
        _sync();
    }

    // ------------------------------------------------------------ platform

    function claimFees(uint256 tokenSeed) external {
        try escrow.claimFees(tokens[tokenSeed % 2]) {} catch {}
    }

    function setFee(uint256 bps) external {
        vm.prank(feeManager);
        escrow.setFeeBps(uint16(bound(bps, 0, 1_000)));
    }

    /// @dev Mostly hours, sometimes weeks: deals live long enough to be disputed, and deadlines still pass.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 4 == 0 ? bound(seconds_, 0, 45 days) : bound(seconds_, 0, 1 days)));
        _sync();
    }

    // ------------------------------------------------------------ views for the invariants

    function dealCount() external view returns (uint256) {
        return _deals.length;
    }

    function deal(uint256 i) external view returns (ITokenEscrow.DealTerms memory) {
        return _deals[i];
    }

    function milestoneCount(uint256 i) external view returns (uint256) {
        return _milestones[i].length;
    }

    // ------------------------------------------------------------ internals

    function _baseTerms(
        uint256 tokenSeed,
        uint256 amount,
        uint256 days_,
        bool withArbiter
    ) internal returns (ITokenEscrow.DealTerms memory) {
        return
            ITokenEscrow.DealTerms({
                payer: buyer,
                payee: seller,
                arbiter: withArbiter ? arbiter : address(0),
                token: tokens[tokenSeed % 2],
                amount: uint128(bound(amount, 1, MAX_AMOUNT)),
                deadline: uint64(block.timestamp + bound(days_, 1, 30) * 1 days),
                feeBps: escrow.feeBps(),
                hashFunction: ITokenEscrow.HashFunction.Keccak256,
                hashlock: bytes32(0),
                milestones: bytes32(0),
                ref: keccak256(abi.encode("invariant", _salt)),
                salt: ++_salt
            });
    }

    /// @dev Mostly the role an operation is meant for, so that sequences get far (open, dispute, resolve);
    /// otherwise payer, payee, arbiter or a stranger: every role tries every operation.
    function _caller(uint256 seed, address preferred) internal view returns (address) {
        if (seed % 8 < 5) return preferred;
        uint256 pick = seed % 4;
        if (pick == 0) return buyer;
        if (pick == 1) return seller;
        if (pick == 2) return arbiter;
        return address(0xBEEF);
    }

    /// @dev Records the first final status of every deal, so a later change of status shows.
    function _sync() internal {
        for (uint256 i; i < _deals.length; ++i) {
            if (firstFinalStatus[i] != ITokenEscrow.DealStatus.None) continue;
            ITokenEscrow.DealStatus status = escrow.getDeal(keccak256(abi.encode(_deals[i]))).status;
            if (_isFinal(status)) firstFinalStatus[i] = status;
        }
    }

    function _isFinal(ITokenEscrow.DealStatus status) internal pure returns (bool) {
        return
            status == ITokenEscrow.DealStatus.Released ||
            status == ITokenEscrow.DealStatus.Refunded ||
            status == ITokenEscrow.DealStatus.Resolved;
    }
}

contract TokenEscrowInvariantTest is TokenEscrowBase {
    EscrowHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new EscrowHandler(
            escrow,
            [IERC20(address(hkd)), IERC20(address(php))],
            buyer,
            seller,
            arbiter,
            feeManager
        );
        _fund(hkd, buyer, type(uint128).max);
        _fund(php, buyer, type(uint128).max);
        targetContract(address(handler));
    }

    /// For each token, the escrow holds exactly what open deals have not paid out plus the unclaimed fees.
    function invariant_balanceEqualsOpenObligationsPlusFees() public view {
        SettlementToken[2] memory ts = [hkd, php];
        for (uint256 t; t < 2; ++t) {
            uint256 owed = escrow.accruedFees(ts[t]);
            for (uint256 i; i < handler.dealCount(); ++i) {
                ITokenEscrow.DealTerms memory terms = handler.deal(i);
                if (address(terms.token) != address(ts[t])) continue;
                ITokenEscrow.Deal memory record = escrow.getDeal(keccak256(abi.encode(terms)));
                if (
                    record.status == ITokenEscrow.DealStatus.Funded || record.status == ITokenEscrow.DealStatus.Disputed
                ) {
                    owed += terms.amount - record.released;
                }
            }
            assertEq(ts[t].balanceOf(address(escrow)), owed, "balance == open obligations + fees");
        }
    }

    /// A deal that reached a final status keeps it for good.
    function invariant_finalStatusesAreFinal() public view {
        for (uint256 i; i < handler.dealCount(); ++i) {
            ITokenEscrow.DealStatus first = handler.firstFinalStatus(i);
            if (first == ITokenEscrow.DealStatus.None) continue;
            ITokenEscrow.DealStatus current = escrow.getDeal(keccak256(abi.encode(handler.deal(i)))).status;
            assertEq(uint256(current), uint256(first), "a final status changed");
        }
    }

    /// A deal never releases more than its amount, nor more milestones than it has.
    function invariant_releasedNeverExceedsTheAmount() public view {
        for (uint256 i; i < handler.dealCount(); ++i) {
            ITokenEscrow.DealTerms memory terms = handler.deal(i);
            ITokenEscrow.Deal memory record = escrow.getDeal(keccak256(abi.encode(terms)));
            assertLe(record.released, terms.amount, "released <= amount");
            assertLe(record.milestonesReleased, handler.milestoneCount(i), "milestones released <= milestones");
        }
    }
}
