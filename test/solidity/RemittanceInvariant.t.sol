// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRemittanceSettlement} from "../../contracts/interfaces/IRemittanceSettlement.sol";
import {RemittanceSettlement} from "../../contracts/remittance/RemittanceSettlement.sol";
import {TenantRegistry} from "../../contracts/tenants/TenantRegistry.sol";
import {TenantRoles} from "../../contracts/tenants/TenantRoles.sol";
import {ITenantRegistryErrors} from "../../contracts/interfaces/ITenantRegistryErrors.sol";
import {SettlementToken} from "../../contracts/tokens/SettlementToken.sol";
import {RemittanceBase} from "./RemittanceBase.t.sol";
import {Test} from "./utils/Test.sol";

/// @dev Drives the settlement contract through random sequences of deposits, withdrawals, initiations
/// (one by one and in batches, from the ledger and pulled), confirmations, rejections, expiries, fee
/// withdrawals, suspensions, the loss of a ledger role, an offboarding, sweeps to settlement addresses and
/// attempts to reuse a client reference, and keeps a model of every ledger entry, every pending lock and
/// every final status.
contract RemittanceHandler is Test {
    struct Party {
        bytes32 tenant;
        address member;
    }

    struct Lane {
        bytes32 corridorId;
        SettlementToken source;
        SettlementToken destination;
        bytes32 provider;
        uint256 key;
    }

    uint256 internal constant OPERATORS = 3;
    uint256 internal constant PROVIDERS = 2;
    uint256 internal constant LANES = 3;

    RemittanceSettlement public immutable remittance;
    TenantRegistry internal immutable registry;
    address internal immutable platformOperator;
    address internal immutable feeCollector;
    SettlementToken public immutable hkd;
    SettlementToken public immutable php;

    Party[OPERATORS] internal operators;
    Party[PROVIDERS] internal providers;
    Lane[LANES] internal lanes;

    // ---------------------------------------------------------------- model
    mapping(bytes32 tenant => mapping(address token => uint256)) public ghostAvailable;
    mapping(bytes32 provider => mapping(address token => uint256)) public ghostFees;
    mapping(bytes32 provider => mapping(address token => uint256)) public ghostReserved;
    mapping(bytes32 provider => mapping(address token => uint256)) public ghostBroughtIn;
    mapping(address token => uint256) public ghostLocked;
    mapping(address token => uint256) public ghostSwept;
    uint256 public sweeps;

    IRemittanceSettlement.Remittance[] internal _pending;
    IRemittanceSettlement.Remittance[] internal _finals;
    mapping(bytes32 id => IRemittanceSettlement.RemittanceStatus) public ghostFinal;
    mapping(bytes32 id => bool) public everInitiated;
    bytes32[] internal _clientRefs;
    bytes32[] internal _senders;
    uint256 public initiations;
    uint256 public distinctIds;
    uint256 public reuseAccepted;
    uint256 private _refs;

    constructor(
        RemittanceSettlement remittance_,
        TenantRegistry registry_,
        address platformOperator_,
        address feeCollector_,
        SettlementToken hkd_,
        SettlementToken php_,
        Party[OPERATORS] memory operators_,
        Party[PROVIDERS] memory providers_,
        uint256[PROVIDERS] memory keys
    ) {
        remittance = remittance_;
        registry = registry_;
        platformOperator = platformOperator_;
        feeCollector = feeCollector_;
        hkd = hkd_;
        php = php_;
        for (uint256 i; i < OPERATORS; ++i) operators[i] = operators_[i];
        for (uint256 i; i < PROVIDERS; ++i) providers[i] = providers_[i];
        lanes[0] = Lane("HKD-PHP", hkd_, php_, providers_[0].tenant, keys[0]);
        lanes[1] = Lane("HKD-PHP-2", hkd_, php_, providers_[1].tenant, keys[1]);
        lanes[2] = Lane("PHP-HKD", php_, hkd_, providers_[0].tenant, keys[0]);
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 who, bool inPhp, uint256 amount) external {
        Party memory party = _party(who);
        SettlementToken token = inPhp ? php : hkd;
        amount = bound(amount, 1, 1_000_000_00);
        token.mint(party.member, amount);
        vm.startPrank(party.member);
        token.approve(address(remittance), amount);
        try remittance.deposit(address(token), amount) {
            ghostAvailable[party.tenant][address(token)] += amount;
            ghostBroughtIn[party.tenant][address(token)] += amount;
        } catch {}
        vm.stopPrank();
    }

    function withdraw(uint256 who, bool inPhp, uint256 amount) external {
        Party memory party = _party(who);
        SettlementToken token = inPhp ? php : hkd;
        uint256 available = ghostAvailable[party.tenant][address(token)];
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.prank(party.member);
        remittance.withdraw(address(token), amount, party.member);
        ghostAvailable[party.tenant][address(token)] -= amount;
    }

    function initiate(
        uint256 sender,
        uint256 lane,
        uint256 receiver,
        uint256 amount,
        uint256 rate,
        bool pull
    ) external {
        Party memory from = operators[sender % OPERATORS];
        Party memory to = operators[(sender + 1 + (receiver % (OPERATORS - 1))) % OPERATORS];
        Lane memory l = lanes[lane % LANES];
        IRemittanceSettlement.InitiateParams memory p = _params(from.tenant, to.tenant, l, amount, rate, pull);
        if (pull) _approvePull(from.member, l.source, p.quote.sourceAmount + p.quote.fee);
        vm.prank(from.member);
        try remittance.initiate(p) {
            _initiated(p, l);
        } catch {}
    }

    function initiateBatch(uint256 sender, uint256 lanesSeed, uint256 amount, uint256 size, bool pull) external {
        Party memory from = operators[sender % OPERATORS];
        Party memory to = operators[(sender + 1) % OPERATORS];
        size = bound(size, 1, 4);
        IRemittanceSettlement.InitiateParams[] memory items = new IRemittanceSettlement.InitiateParams[](size);
        Lane[] memory used = new Lane[](size);
        for (uint256 i; i < size; ++i) {
            used[i] = lanes[(lanesSeed >> (8 * i)) % LANES];
            items[i] = _params(from.tenant, to.tenant, used[i], amount >> (16 * i), lanesSeed >> (4 * i), pull);
            if (pull) _approvePull(from.member, used[i].source, items[i].quote.sourceAmount + items[i].quote.fee);
        }
        vm.prank(from.member);
        try remittance.initiateBatch(items) {
            for (uint256 i; i < size; ++i) _initiated(items[i], used[i]);
        } catch {}
    }

    function confirm(uint256 index, bytes32 payoutRef) external {
        if (_pending.length == 0) return;
        index %= _pending.length;
        IRemittanceSettlement.Remittance memory r = _pending[index];
        vm.prank(_memberOf(r.receivingTenant));
        try remittance.confirmPayout(r, payoutRef) {
            _settled(index, IRemittanceSettlement.RemittanceStatus.PaidOut);
        } catch {}
    }

    function confirmBatch(uint256 start, uint256 size) external {
        if (_pending.length == 0) return;
        start %= _pending.length;
        bytes32 receiver = _pending[start].receivingTenant;
        size = bound(size, 1, 3);
        uint256[] memory picked = new uint256[](size);
        uint256 count;
        for (uint256 i = start; i < _pending.length && count < size; ++i) {
            if (_pending[i].receivingTenant == receiver) picked[count++] = i;
        }
        IRemittanceSettlement.Payout[] memory items = new IRemittanceSettlement.Payout[](count);
        for (uint256 i; i < count; ++i) items[i] = IRemittanceSettlement.Payout(_pending[picked[i]], bytes32(i));
        vm.prank(_memberOf(receiver));
        try remittance.confirmPayoutBatch(items) {
            // Indices were picked in increasing order: settle from the last so earlier ones stay put.
            for (uint256 i = count; i > 0; --i) _settled(picked[i - 1], IRemittanceSettlement.RemittanceStatus.PaidOut);
        } catch {}
    }

    function reject(uint256 index, uint32 reasonCode) external {
        if (_pending.length == 0) return;
        index %= _pending.length;
        IRemittanceSettlement.Remittance memory r = _pending[index];
        vm.prank(_memberOf(r.receivingTenant));
        try remittance.reject(r, reasonCode) {
            _settled(index, IRemittanceSettlement.RemittanceStatus.Rejected);
        } catch {}
    }

    function refundExpired(uint256 index) external {
        if (_pending.length == 0) return;
        index %= _pending.length;
        IRemittanceSettlement.Remittance memory r = _pending[index];
        if (block.timestamp <= r.deadline) vm.warp(uint256(r.deadline) + 1);
        try remittance.refundExpired(r) {
            _settled(index, IRemittanceSettlement.RemittanceStatus.Expired);
        } catch {}
    }

    function withdrawFees(uint256 provider, bool inPhp, uint256 amount) external {
        bytes32 tenant = providers[provider % PROVIDERS].tenant;
        SettlementToken token = inPhp ? php : hkd;
        uint256 accrued = ghostFees[tenant][address(token)];
        if (accrued == 0) return;
        amount = bound(amount, 1, accrued);
        vm.prank(feeCollector);
        remittance.withdrawFees(tenant, address(token), amount, feeCollector);
        ghostFees[tenant][address(token)] -= amount;
    }

    /// Tries to move a remittance out of its final status: confirm, reject or refund it again.
    function settleAgain(uint256 index, uint256 action) external {
        if (_finals.length == 0) return;
        IRemittanceSettlement.Remittance memory r = _finals[index % _finals.length];
        address receiver = _memberOf(r.receivingTenant);
        action %= 3;
        if (action == 0) {
            vm.prank(receiver);
            try remittance.confirmPayout(r, "again") {} catch {}
        } else if (action == 1) {
            vm.prank(receiver);
            try remittance.reject(r, 1) {} catch {}
        } else {
            if (block.timestamp <= r.deadline) vm.warp(uint256(r.deadline) + 1);
            try remittance.refundExpired(r) {} catch {}
        }
    }

    /// Tries to create a second remittance for a client reference already used, with a fresh quote.
    function reuseClientRef(uint256 index, uint256 lane) external {
        if (_clientRefs.length == 0) return;
        index %= _clientRefs.length;
        bytes32 sender = _senders[index];
        Lane memory l = lanes[lane % LANES];
        IRemittanceSettlement.InitiateParams memory p = _params(sender, sender, l, 0, 0, false);
        p.quote.receivingTenant = sender == operators[0].tenant ? operators[1].tenant : operators[0].tenant;
        p.clientRef = _clientRefs[index];
        _sign(p, l.key);
        vm.prank(_memberOf(sender));
        try remittance.initiate(p) {
            ++reuseAccepted;
        } catch {}
    }

    function suspendOrReinstate(uint256 who) external {
        Party memory party = _party(who);
        if (registry.statusOf(party.tenant) == ITenantRegistryErrors.TenantStatus.Offboarded) return;
        vm.startPrank(platformOperator);
        if (registry.isActive(party.tenant)) registry.suspend(party.tenant, 1);
        else registry.reinstate(party.tenant);
        vm.stopPrank();
    }

    /// Offboards the third payment operator for good: its pending remittances still reach a final status
    /// (rejected or expired) and what its ledger holds can only leave by `sweep`.
    function offboardThirdOperator() external {
        bytes32 tenant = operators[OPERATORS - 1].tenant;
        if (registry.statusOf(tenant) == ITenantRegistryErrors.TenantStatus.Offboarded) return;
        vm.prank(platformOperator);
        registry.offboard(tenant, 9);
    }

    /// Takes a tenant's ledger roles away, sweeps what its ledger holds to its settlement address (no
    /// member can withdraw it any more), and gives the roles back.
    function loseLedgerRoleAndSweep(uint256 who, bool inPhp) external {
        Party memory party = _party(who);
        if (registry.statusOf(party.tenant) == ITenantRegistryErrors.TenantStatus.Offboarded) return;
        uint16 roles = registry.getTenant(party.tenant).roles;
        vm.prank(platformOperator);
        registry.setTenantRoles(party.tenant, TenantRoles.MERCHANT);
        _sweep(party.tenant, inPhp ? php : hkd);
        vm.prank(platformOperator);
        registry.setTenantRoles(party.tenant, roles);
    }

    /// Anyone sweeps a tenant; only a tenant whose members cannot withdraw is sweepable.
    function sweep(uint256 who, bool inPhp) external {
        _sweep(_party(who).tenant, inPhp ? php : hkd);
    }

    function _sweep(bytes32 tenant, SettlementToken token) internal {
        uint256 available = ghostAvailable[tenant][address(token)];
        try remittance.sweep(tenant, address(token)) {
            ghostAvailable[tenant][address(token)] = 0;
            ghostSwept[address(token)] += available;
            ++sweeps;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 hours));
    }

    // ---------------------------------------------------------------- views for the invariants

    function pendingCount() external view returns (uint256) {
        return _pending.length;
    }

    function pendingAt(uint256 i) external view returns (IRemittanceSettlement.Remittance memory) {
        return _pending[i];
    }

    function finalCount() external view returns (uint256) {
        return _finals.length;
    }

    function finalIdAt(uint256 i) external view returns (bytes32) {
        return _finals[i].id;
    }

    function tenants() external view returns (bytes32[] memory all) {
        all = new bytes32[](OPERATORS + PROVIDERS);
        for (uint256 i; i < OPERATORS; ++i) all[i] = operators[i].tenant;
        for (uint256 i; i < PROVIDERS; ++i) all[OPERATORS + i] = providers[i].tenant;
    }

    function memberOf(bytes32 tenant) external view returns (address) {
        return _memberOf(tenant);
    }

    function providerTenants() external view returns (bytes32[] memory all) {
        all = new bytes32[](PROVIDERS);
        for (uint256 i; i < PROVIDERS; ++i) all[i] = providers[i].tenant;
    }

    // ---------------------------------------------------------------- internals

    function _params(
        bytes32 sender,
        bytes32 receiver,
        Lane memory l,
        uint256 amount,
        uint256 rate,
        bool pull
    ) internal returns (IRemittanceSettlement.InitiateParams memory p) {
        uint128 sourceAmount = uint128(bound(amount, 10_00, 50_000_00));
        p.quote = IRemittanceSettlement.Quote({
            corridorId: l.corridorId,
            sendingTenant: sender,
            receivingTenant: receiver,
            sourceAmount: sourceAmount,
            destinationAmount: uint128((uint256(sourceAmount) * bound(rate, 1, 1_000)) / 100),
            fee: uint128(remittance.corridorFee(l.corridorId, sourceAmount)),
            expiry: uint64(block.timestamp + 10 minutes),
            latestDeadline: uint64(block.timestamp + 40 minutes)
        });
        p.clientRef = keccak256(abi.encode("ref", ++_refs));
        p.recipientHash = keccak256(abi.encode("recipient", _refs));
        p.complianceHash = keccak256(abi.encode("travel rule", _refs));
        p.deadline = uint64(block.timestamp + 30 minutes);
        p.funding = pull ? IRemittanceSettlement.Funding.Pull : IRemittanceSettlement.Funding.Ledger;
        _sign(p, l.key);
    }

    function _sign(IRemittanceSettlement.InitiateParams memory p, uint256 key) internal view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, remittance.quoteDigest(p.quote, p.clientRef));
        p.signatureR = r;
        p.signatureVS = bytes32((uint256(v - 27) << 255) | uint256(s));
    }

    function _approvePull(address member, SettlementToken token, uint256 amount) internal {
        token.mint(member, amount);
        vm.prank(member);
        token.approve(address(remittance), amount);
    }

    function _initiated(IRemittanceSettlement.InitiateParams memory p, Lane memory l) internal {
        bytes32 id = remittance.remittanceId(p.quote.sendingTenant, p.clientRef);
        ++initiations;
        if (!everInitiated[id]) ++distinctIds;
        everInitiated[id] = true;
        _clientRefs.push(p.clientRef);
        _senders.push(p.quote.sendingTenant);
        uint256 locked = uint256(p.quote.sourceAmount) + p.quote.fee;
        if (p.funding == IRemittanceSettlement.Funding.Ledger) {
            ghostAvailable[p.quote.sendingTenant][address(l.source)] -= locked;
        }
        ghostLocked[address(l.source)] += locked;
        ghostAvailable[l.provider][address(l.destination)] -= p.quote.destinationAmount;
        ghostReserved[l.provider][address(l.destination)] += p.quote.destinationAmount;
        _pending.push(
            IRemittanceSettlement.Remittance({
                id: id,
                sendingTenant: p.quote.sendingTenant,
                receivingTenant: p.quote.receivingTenant,
                provider: l.provider,
                sourceToken: address(l.source),
                destinationToken: address(l.destination),
                sourceAmount: p.quote.sourceAmount,
                destinationAmount: p.quote.destinationAmount,
                fee: p.quote.fee,
                deadline: p.deadline
            })
        );
    }

    function _settled(uint256 index, IRemittanceSettlement.RemittanceStatus status) internal {
        IRemittanceSettlement.Remittance memory r = _pending[index];
        ghostLocked[r.sourceToken] -= uint256(r.sourceAmount) + r.fee;
        ghostReserved[r.provider][r.destinationToken] -= r.destinationAmount;
        if (status == IRemittanceSettlement.RemittanceStatus.PaidOut) {
            ghostAvailable[r.receivingTenant][r.destinationToken] += r.destinationAmount;
            ghostAvailable[r.provider][r.sourceToken] += r.sourceAmount;
            ghostBroughtIn[r.provider][r.sourceToken] += r.sourceAmount;
            ghostFees[r.provider][r.sourceToken] += r.fee;
        } else {
            // A reject or an expiry refunds the source amount; the fee pays the provider for the risk it held.
            ghostAvailable[r.sendingTenant][r.sourceToken] += r.sourceAmount;
            ghostAvailable[r.provider][r.sourceToken] += r.fee;
            ghostBroughtIn[r.provider][r.sourceToken] += r.fee;
            ghostAvailable[r.provider][r.destinationToken] += r.destinationAmount;
        }
        ghostFinal[r.id] = status;
        _finals.push(r);
        _pending[index] = _pending[_pending.length - 1];
        _pending.pop();
    }

    function _party(uint256 who) internal view returns (Party memory) {
        who %= OPERATORS + PROVIDERS;
        return who < OPERATORS ? operators[who] : providers[who - OPERATORS];
    }

    function _memberOf(bytes32 tenant) internal view returns (address) {
        for (uint256 i; i < OPERATORS; ++i) if (operators[i].tenant == tenant) return operators[i].member;
        for (uint256 i; i < PROVIDERS; ++i) if (providers[i].tenant == tenant) return providers[i].member;
        return address(0);
    }
}

contract RemittanceInvariantTest is RemittanceBase {
    RemittanceHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.startPrank(platformOperator);
        remittance.openCorridor("HKD-PHP-2", corridor(address(hkd), address(php), OTHER_BANK));
        remittance.openCorridor("PHP-HKD", corridor(address(php), address(hkd), BANK));
        vm.stopPrank();
        RemittanceHandler.Party[3] memory operators = [
            RemittanceHandler.Party(HK, hkOps),
            RemittanceHandler.Party(PH, phOps),
            RemittanceHandler.Party(SG, sgOps)
        ];
        RemittanceHandler.Party[2] memory providers = [
            RemittanceHandler.Party(BANK, bankQuoter),
            RemittanceHandler.Party(OTHER_BANK, otherQuoter)
        ];
        handler = new RemittanceHandler(
            remittance,
            registry,
            platformOperator,
            feeCollector,
            hkd,
            php,
            operators,
            providers,
            [BANK_KEY, OTHER_BANK_KEY]
        );
        hkd.grantRole(hkd.ISSUER_ROLE(), address(handler));
        php.grantRole(php.ISSUER_ROLE(), address(handler));
        // Every party starts with money in both currencies, through the handler so the model counts it,
        // so that random sequences reach remittances from their first calls.
        for (uint256 who; who < 5; ++who) {
            for (uint256 round; round < 3; ++round) {
                handler.deposit(who, false, 1_000_000_00);
                handler.deposit(who, true, 1_000_000_00);
            }
        }
        targetContract(address(handler));
    }

    /// Per token, the contract holds exactly what its ledger entries, the platform's fees and the
    /// pending remittances' locks and reservations add up to.
    function invariant_tokensHeldEqualLedgerPlusPendingLocks() public view {
        bytes32[] memory all = handler.tenants();
        for (uint256 t; t < 2; ++t) {
            address token = t == 0 ? address(hkd) : address(php);
            uint256 total;
            for (uint256 i; i < all.length; ++i) {
                total += remittance.balanceOf(all[i], token) + remittance.feesAccrued(all[i], token);
            }
            for (uint256 i; i < handler.pendingCount(); ++i) {
                IRemittanceSettlement.Remittance memory r = handler.pendingAt(i);
                if (r.sourceToken == token) total += uint256(r.sourceAmount) + r.fee;
                if (r.destinationToken == token) total += r.destinationAmount;
            }
            assertEq(SettlementToken(token).balanceOf(address(remittance)), total, "held != owed");
        }
    }

    /// Every ledger entry and fee half is what the model computed from the operations that succeeded.
    function invariant_ledgerMatchesModel() public view {
        bytes32[] memory all = handler.tenants();
        for (uint256 t; t < 2; ++t) {
            address token = t == 0 ? address(hkd) : address(php);
            for (uint256 i; i < all.length; ++i) {
                assertEq(remittance.balanceOf(all[i], token), handler.ghostAvailable(all[i], token), "available");
                assertEq(remittance.feesAccrued(all[i], token), handler.ghostFees(all[i], token), "fees");
            }
        }
    }

    /// A provider's reserved liquidity never exceeds what it brought in (deposits and source legs earned).
    function invariant_reservedLiquidityWithinDeposits() public view {
        bytes32[] memory all = handler.providerTenants();
        for (uint256 t; t < 2; ++t) {
            address token = t == 0 ? address(hkd) : address(php);
            for (uint256 i; i < all.length; ++i) {
                uint256 reserved = handler.ghostReserved(all[i], token);
                assertLe(reserved, handler.ghostBroughtIn(all[i], token), "reserved > brought in");
                assertLe(
                    reserved + remittance.balanceOf(all[i], token),
                    handler.ghostBroughtIn(all[i], token),
                    "reserved + available > brought in"
                );
            }
        }
    }

    /// No remittance leaves a final status, and every pending one is still Initiated.
    function invariant_finalStatusesStayFinal() public view {
        for (uint256 i; i < handler.finalCount(); ++i) {
            bytes32 id = handler.finalIdAt(i);
            assertEq(uint256(remittance.statusOf(id)), uint256(handler.ghostFinal(id)), "final status moved");
        }
        for (uint256 i; i < handler.pendingCount(); ++i) {
            IRemittanceSettlement.Remittance memory r = handler.pendingAt(i);
            assertEq(
                uint256(remittance.verifyRecord(r)),
                uint256(IRemittanceSettlement.RemittanceStatus.Initiated),
                "pending"
            );
        }
    }

    /// Every ledger balance has a way out: a member of its tenant holding a ledger role and `TREASURY` can
    /// withdraw it (the tenant is not frozen, and still holds a ledger role), or anyone can sweep it to the
    /// tenant's settlement address (offboarded, or no ledger role). The handler never freezes: a freeze
    /// holds a tenant's own money on purpose until the operator lifts it or offboards the tenant.
    function invariant_everyLedgerBalanceHasAPathOut() public view {
        bytes32[] memory all = handler.tenants();
        uint16 ledger = TenantRoles.PAYMENT_OPERATOR | TenantRoles.LIQUIDITY_PROVIDER;
        for (uint256 t; t < 2; ++t) {
            address token = t == 0 ? address(hkd) : address(php);
            for (uint256 i; i < all.length; ++i) {
                if (remittance.balanceOf(all[i], token) == 0) continue;
                (
                    bytes32 tenantId,
                    ITenantRegistryErrors.TenantStatus status,
                    uint16 tenantRoles,
                    uint16 memberRoles
                ) = registry.memberOf(handler.memberOf(all[i]));
                bool withdrawable =
                    tenantId == all[i] &&
                        status != ITenantRegistryErrors.TenantStatus.Frozen &&
                        tenantRoles & memberRoles & ledger != 0 &&
                        memberRoles & TenantRoles.TREASURY != 0;
                bool sweepable =
                    (registry.statusOf(all[i]) == ITenantRegistryErrors.TenantStatus.Offboarded ||
                        registry.getTenant(all[i]).roles & ledger == 0) &&
                        registry.settlementAddressOf(all[i]) != address(0);
                assertTrue(withdrawable || sweepable, "a ledger balance has no path out");
            }
        }
    }

    /// A quote id (a client reference of an operator) creates at most one remittance.
    function invariant_quoteIdsNeverReused() public view {
        assertEq(handler.reuseAccepted(), 0, "a client reference was used twice");
        assertEq(handler.initiations(), handler.distinctIds(), "an id was initiated twice");
    }
}
