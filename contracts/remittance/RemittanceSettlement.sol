// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IRemittanceSettlement} from "../interfaces/IRemittanceSettlement.sol";
import {ITenantRegistryView} from "../interfaces/ITenantRegistry.sol";
import {TenantRoles} from "../tenants/TenantRoles.sol";
import {RemittanceRecords} from "./RemittanceRecords.sol";

/// @title RemittanceSettlement
/// @notice Settles cross-border remittances between payment operators through a liquidity provider's
/// firm FX quotes, in a settlement ledger of internal balances. See `IRemittanceSettlement`.
/// @dev Conservation, per token: `balanceOf(this)` equals the sum of every ledger entry (available
/// balances and the platform's fee halves) plus, for every pending remittance, its locked source amount
/// and fee (source token) or its reserved destination amount (destination token). Deposits and
/// withdrawals move tokens and ledger by the same amount; everything else moves value between ledger
/// entries and pending records.
///
/// Gas. A remittance writes one new slot (its packed record hash) and rewrites three existing ones at
/// initiation (sender's balance, provider's liquidity, the sender's daily-cap counter), then rewrites its
/// record and two ledger entries at settlement (the receiving operator's balance; the provider's source
/// balance with the platform's fee packed beside it). The reservation needs no write of its own at
/// settlement because it lives in the record, not in a provider counter. The corridor is read, never
/// written, by a remittance; settling reads nothing but the record, two ledger entries and the registry.
/// Batches check the caller once, reuse the corridor and the quote signer's and receiver's registry
/// answers while they repeat from item to item, and keep the counters a run of items moves in memory,
/// writing each back once (`Session`, `Settlement`).
///
/// Batches are all or nothing. Item checks do not revert directly: they hand their error to `_fail`,
/// which wraps it in `RemittanceBatchItemFailed(index, reason)` inside a batch and reverts with it as is
/// outside one, so single calls and batches report the same errors.
///
/// Access control is OpenZeppelin's `AccessControl`: governance (`DEFAULT_ADMIN_ROLE`, a multisig or
/// timelock in production) grants `OPERATOR_ROLE` and sets the fee collector; it cannot move ledger money.
/// The registry's `AccessControlDefaultAdminRules` (two-step, delayed handover) would add 2.7 KB to a
/// contract that sits close to the 24 KB code-size limit, for a role that governs fees and corridors only.
///
/// Reentrancy: the functions that call a token (`deposit*`, `withdraw*`, `initiate*`, which may pull)
/// are `nonReentrant`. That guard also protects the write-back caches: while `initiate*` pulls from a
/// wallet, the counters it moved are not written back yet, so nothing may run that writes or reads the
/// same ledger entries. Settlement functions and the ledger views therefore refuse to run inside a
/// guarded call (`nonReentrantView`: one transient read); they call nothing but the registry's views.
contract RemittanceSettlement is
    IRemittanceSettlement,
    AccessControl,
    ERC2771Context,
    EIP712,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using TenantRoles for uint16;
    using RemittanceRecords for bytes32;

    /// @notice Opens and updates corridors.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice The EIP-712 type hash of a `Quote`.
    bytes32 public constant QUOTE_TYPEHASH = RemittanceRecords.QUOTE_TYPEHASH;
    /// @notice Most a corridor's proportional fee can be (10 %): a guard against a mistyped fee.
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Longest settlement window a corridor can grant after a quote expires.
    uint32 public constant MAX_SETTLEMENT_WINDOW = 30 days;
    /// @notice Most items a batch can hold; 100 initiations stay far below a block's gas limit.
    uint256 public constant MAX_BATCH_SIZE = 100;

    uint256 private constant BPS = 10_000;
    /// @dev The item index of a call that is not part of a batch.
    uint256 private constant NOT_IN_BATCH = type(uint256).max;
    /// @dev Roles that use the ledger: operators fund remittances, providers fund liquidity.
    uint16 private constant LEDGER_ROLES = TenantRoles.PAYMENT_OPERATOR | TenantRoles.LIQUIDITY_PROVIDER;

    /// @dev A tenant's ledger entry for one token: its own available balance, and the platform fees its
    /// corridors earned in that token (owned by the platform, never by the tenant). One slot, so settling
    /// credits the provider's source leg and the fee in one write.
    struct Balance {
        uint128 available;
        uint128 platformFees;
    }

    /// @dev A sending operator's use of a corridor on `day` (unix time / 1 day). One slot, so a new day
    /// overwrites yesterday's counter instead of taking a new slot.
    struct DailyUsage {
        uint64 day;
        uint192 used;
    }

    /// @dev What one call to `initiate*` has established and what it has yet to write back.
    /// Registry answers checked for one batch item are reused for the next: the registry changes between
    /// transactions, not within this one (only a corridor token that were itself a registry operator or
    /// tenant admin could interleave a change, during a pull). The corridor of the current run of items
    /// is cached with the three counters its items move: the sender's use of it today, the provider's
    /// available liquidity and the sender's available balance (loaded on first use: pulled remittances
    /// do not touch it). They are written back by `_flushSession` when the corridor changes and when the
    /// call ends, so a batch through one corridor writes each of them once. A failing item reverts
    /// everything, cache included.
    struct Session {
        address caller;
        bytes32 sendingTenant;
        bytes32 corridorId;
        Corridor corridor;
        uint256 usedToday;
        uint256 providerAvailable;
        uint256 senderAvailable;
        bool senderLoaded;
        address signer;
        bytes32 signerProvider;
        bytes32 receivingTenant;
    }

    /// @dev The same write-back cache for `confirmPayout*`: the receiving operator's balance of the
    /// destination token and the provider's source-token entry (its balance and the platform's fees), for
    /// the current run of items with the same provider and tokens. `provider` is zero while empty (no
    /// record has a zero provider: a corridor takes remittances only with an active provider). The two
    /// entries never alias: a corridor's tokens differ.
    struct Settlement {
        address caller;
        bytes32 receivingTenant;
        bytes32 provider;
        address sourceToken;
        address destinationToken;
        uint256 receiverAvailable;
        uint256 providerAvailable;
        uint256 platformFees;
    }

    ITenantRegistryView private immutable _registry;
    uint256 private immutable _deploymentBlock;
    address private _feeCollector;

    mapping(bytes32 corridorId => Corridor) private _corridors;
    bytes32[] private _corridorIds;
    mapping(bytes32 tenantId => mapping(address token => Balance)) private _balances;
    mapping(bytes32 corridorId => mapping(bytes32 tenantId => DailyUsage)) private _usage;
    mapping(bytes32 id => bytes32 packedRecord) private _records;

    /// @param admin governance account (`DEFAULT_ADMIN_ROLE`): grants the operator role, sets the fee collector
    /// @param operator the platform operator's key, given `OPERATOR_ROLE` (corridors)
    /// @param feeCollector_ the address that may withdraw platform fees
    /// @param registry_ the tenant registry every call is checked against
    /// @param trustedForwarder the ERC-2771 forwarder members use to act without gas
    constructor(
        address admin,
        address operator,
        address feeCollector_,
        ITenantRegistryView registry_,
        address trustedForwarder
    ) ERC2771Context(trustedForwarder) EIP712("RemittanceSettlement", "1") {
        if (
            admin == address(0) ||
            operator == address(0) ||
            feeCollector_ == address(0) ||
            address(registry_) == address(0)
        ) {
            revert RemittanceZeroAddress();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _registry = registry_;
        _deploymentBlock = block.number;
        _feeCollector = feeCollector_;
        _grantRole(OPERATOR_ROLE, operator);
        emit FeeCollectorChanged(address(0), feeCollector_);
    }

    // ------------------------------------------------------------------ corridors

    /// @inheritdoc IRemittanceSettlement
    function openCorridor(bytes32 corridorId, Corridor calldata corridor) external onlyRole(OPERATOR_ROLE) {
        if (corridorId == bytes32(0)) revert RemittanceZeroCorridorId();
        if (_corridors[corridorId].sourceToken != address(0)) revert RemittanceCorridorExists(corridorId);
        _checkCorridor(corridor);
        _corridors[corridorId] = corridor;
        _corridorIds.push(corridorId);
        emit CorridorOpened(corridorId, corridor);
    }

    /// @inheritdoc IRemittanceSettlement
    function updateCorridor(bytes32 corridorId, Corridor calldata corridor) external onlyRole(OPERATOR_ROLE) {
        Corridor storage current = _corridors[corridorId];
        address sourceToken = current.sourceToken;
        address destinationToken = current.destinationToken;
        if (sourceToken == address(0)) revert RemittanceUnknownCorridor(corridorId);
        if (corridor.sourceToken != sourceToken || corridor.destinationToken != destinationToken) {
            revert RemittanceCorridorTokensFixed(corridorId, sourceToken, destinationToken);
        }
        _checkCorridor(corridor);
        _corridors[corridorId] = corridor;
        emit CorridorUpdated(corridorId, corridor);
    }

    // ------------------------------------------------------------------ ledger

    /// @inheritdoc IRemittanceSettlement
    function deposit(address token, uint256 amount) external nonReentrant {
        address caller = _msgSender();
        _deposit(_ledgerTenant(caller, false), token, amount, caller);
    }

    /// @inheritdoc IRemittanceSettlement
    function depositWithPermit(
        address token,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        address caller = _msgSender();
        bytes32 tenantId = _ledgerTenant(caller, false);
        // Anyone can submit a permit seen in the mempool first; the deposit must not fail because of
        // that, so a failed permit is ignored and the allowance decides.
        try IERC20Permit(token).permit(caller, address(this), amount, permitDeadline, v, r, s) {} catch {}
        _deposit(tenantId, token, amount, caller);
    }

    /// @inheritdoc IRemittanceSettlement
    function withdraw(address token, uint256 amount, address to) external nonReentrant {
        address caller = _msgSender();
        bytes32 tenantId = _ledgerTenant(caller, true);
        if (amount == 0) revert RemittanceZeroAmount();
        if (to == address(0)) revert RemittanceZeroAddress();
        _debit(tenantId, token, amount);
        emit Withdrawn(tenantId, token, to, amount, caller);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IRemittanceSettlement
    function sweep(bytes32 tenantId, address token) external nonReentrant {
        TenantStatus status = _registry.statusOf(tenantId);
        if (status != TenantStatus.Offboarded && _hasLedgerRole(tenantId))
            revert RemittanceNotSweepable(tenantId, status);
        Balance storage entry = _balances[tenantId][token];
        uint256 amount = entry.available;
        if (amount == 0) revert RemittanceZeroAmount();
        address to = _registry.settlementAddressOf(tenantId);
        if (to == address(0)) revert RemittanceZeroAddress();
        entry.available = 0;
        emit Swept(tenantId, token, to, amount, _msgSender());
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IRemittanceSettlement
    function withdrawFees(bytes32 provider, address token, uint256 amount, address to) external nonReentrant {
        address caller = _msgSender();
        if (caller != _feeCollector) revert RemittanceNotFeeCollector(caller);
        if (amount == 0) revert RemittanceZeroAmount();
        if (to == address(0)) revert RemittanceZeroAddress();
        Balance storage entry = _balances[provider][token];
        uint256 accrued = entry.platformFees;
        if (accrued < amount) revert RemittanceInsufficientBalance(provider, token, accrued, amount);
        unchecked {
            // Checked just above: amount <= accrued, which fits uint128.
            entry.platformFees = uint128(accrued - amount);
        }
        emit FeesWithdrawn(provider, token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IRemittanceSettlement
    function setFeeCollector(address feeCollector_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeCollector_ == address(0)) revert RemittanceZeroAddress();
        address previous = _feeCollector;
        _feeCollector = feeCollector_;
        emit FeeCollectorChanged(previous, feeCollector_);
    }

    // ------------------------------------------------------------------ remittances

    /// @inheritdoc IRemittanceSettlement
    function initiate(InitiateParams calldata params) external nonReentrant returns (bytes32 id) {
        Session memory session = _session();
        id = _initiate(params, session, NOT_IN_BATCH);
        _flushSession(session);
    }

    /// @inheritdoc IRemittanceSettlement
    function initiateBatch(InitiateParams[] calldata items) external nonReentrant returns (bytes32[] memory ids) {
        _checkBatchSize(items.length);
        Session memory session = _session();
        ids = new bytes32[](items.length);
        for (uint256 i; i < items.length; ++i) {
            ids[i] = _initiate(items[i], session, i);
        }
        _flushSession(session);
    }

    /// @inheritdoc IRemittanceSettlement
    function confirmPayout(Remittance calldata remittance, bytes32 payoutRef) external nonReentrantView {
        Settlement memory settlement = _settlement();
        _confirm(remittance, payoutRef, settlement, NOT_IN_BATCH);
        _flushSettlement(settlement);
    }

    /// @inheritdoc IRemittanceSettlement
    function confirmPayoutBatch(Payout[] calldata items) external nonReentrantView {
        _checkBatchSize(items.length);
        Settlement memory settlement = _settlement();
        for (uint256 i; i < items.length; ++i) {
            _confirm(items[i].remittance, items[i].payoutRef, settlement, i);
        }
        _flushSettlement(settlement);
    }

    /// @inheritdoc IRemittanceSettlement
    function reject(Remittance calldata remittance, uint32 reasonCode) external nonReentrantView {
        address caller = _msgSender();
        _requireReceiver(remittance, _receiverTenant(caller, false), caller, NOT_IN_BATCH);
        bytes32 slot = _pending(remittance, NOT_IN_BATCH);
        _records[remittance.id] = slot.pack(RemittanceStatus.Rejected);
        _release(remittance);
        emit RemittanceRejected(remittance.id, remittance.sendingTenant, remittance.receivingTenant, reasonCode);
    }

    /// @inheritdoc IRemittanceSettlement
    function refundExpired(Remittance calldata remittance) external nonReentrantView {
        bytes32 slot = _pending(remittance, NOT_IN_BATCH);
        if (block.timestamp <= remittance.deadline) {
            revert RemittanceDeadlineNotReached(remittance.id, remittance.deadline);
        }
        _records[remittance.id] = slot.pack(RemittanceStatus.Expired);
        _release(remittance);
        emit RemittanceExpired(remittance.id, remittance.sendingTenant, remittance.receivingTenant);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRemittanceSettlement
    function registry() external view returns (ITenantRegistryView) {
        return _registry;
    }

    /// @inheritdoc IRemittanceSettlement
    function deploymentBlock() external view returns (uint256) {
        return _deploymentBlock;
    }

    /// @inheritdoc IRemittanceSettlement
    function feeCollector() external view returns (address) {
        return _feeCollector;
    }

    /// @inheritdoc IRemittanceSettlement
    function getCorridor(bytes32 corridorId) external view returns (Corridor memory) {
        return _corridors[corridorId];
    }

    /// @inheritdoc IRemittanceSettlement
    function corridorCount() external view returns (uint256) {
        return _corridorIds.length;
    }

    /// @inheritdoc IRemittanceSettlement
    function corridorIds(uint256 start, uint256 count) external view returns (bytes32[] memory ids) {
        uint256 total = _corridorIds.length;
        if (start >= total) return new bytes32[](0);
        uint256 end = total - start < count ? total : start + count;
        ids = new bytes32[](end - start);
        for (uint256 i = start; i < end; ++i) {
            ids[i - start] = _corridorIds[i];
        }
    }

    /// @inheritdoc IRemittanceSettlement
    function balanceOf(bytes32 tenantId, address token) external view nonReentrantView returns (uint256) {
        return _balances[tenantId][token].available;
    }

    /// @inheritdoc IRemittanceSettlement
    function feesAccrued(bytes32 provider, address token) external view nonReentrantView returns (uint256) {
        return _balances[provider][token].platformFees;
    }

    /// @inheritdoc IRemittanceSettlement
    function usedToday(bytes32 corridorId, bytes32 tenantId) external view nonReentrantView returns (uint256) {
        DailyUsage storage usage = _usage[corridorId][tenantId];
        return usage.day == _today() ? usage.used : 0;
    }

    /// @inheritdoc IRemittanceSettlement
    function corridorFee(bytes32 corridorId, uint256 sourceAmount) external view returns (uint256) {
        Corridor storage corridor = _corridors[corridorId];
        if (corridor.sourceToken == address(0)) revert RemittanceUnknownCorridor(corridorId);
        return _fee(corridor.feeFixed, corridor.feeBps, sourceAmount);
    }

    /// @inheritdoc IRemittanceSettlement
    function statusOf(bytes32 id) external view returns (RemittanceStatus) {
        return _records[id].statusOf();
    }

    /// @inheritdoc IRemittanceSettlement
    function verifyRecord(Remittance calldata remittance) external view returns (RemittanceStatus) {
        bytes32 slot = _records[remittance.id];
        if (slot == bytes32(0)) revert RemittanceUnknown(remittance.id);
        if (!slot.matches(RemittanceRecords.hashCalldata(remittance))) revert RemittanceRecordMismatch(remittance.id);
        return slot.statusOf();
    }

    /// @inheritdoc IRemittanceSettlement
    function remittanceId(bytes32 sendingTenant, bytes32 clientRef) external pure returns (bytes32) {
        return RemittanceRecords.idOf(sendingTenant, clientRef);
    }

    /// @inheritdoc IRemittanceSettlement
    function quoteDigest(Quote calldata quote, bytes32 clientRef) external view returns (bytes32) {
        return
            _hashTypedDataV4(
                RemittanceRecords.structHash(quote, RemittanceRecords.idOf(quote.sendingTenant, clientRef))
            );
    }

    // ------------------------------------------------------------------ initiation

    /// @dev The caller must be a PaymentOperator member of an active PaymentOperator tenant: its tenant
    /// is the sending operator of everything the call initiates.
    function _session() private view returns (Session memory session) {
        session.caller = _msgSender();
        session.sendingTenant = _registry.requireActiveMember(session.caller, TenantRoles.PAYMENT_OPERATOR);
    }

    function _initiate(
        InitiateParams calldata params,
        Session memory session,
        uint256 item
    ) private returns (bytes32 id) {
        Quote calldata quote = params.quote;
        Corridor memory corridor = _corridorOf(quote.corridorId, session, item);
        id = _checkQuote(params, session.sendingTenant, corridor, item);
        _useDailyCap(session, quote.sourceAmount, item);
        _checkParties(params, id, corridor.provider, session, item);

        _reserve(session, quote.destinationAmount, item);
        // sourceAmount <= maxAmount (uint96), fee == feeFixed (uint88) + at most 10 % of sourceAmount: no overflow.
        uint256 locked = uint256(quote.sourceAmount) + quote.fee;
        if (params.funding == Funding.Ledger) _debitSender(session, locked, item);
        _record(params, id, session.sendingTenant, corridor);
        // The only external call that can run foreign code comes last, after every effect.
        if (params.funding == Funding.Pull) _pull(corridor.sourceToken, session.caller, locked, item);
    }

    /// @dev The corridor of a quote, enabled, with its counters loaded into the session; reused while
    /// batch items repeat it, after writing back the previous corridor's counters when they do not.
    function _corridorOf(
        bytes32 corridorId,
        Session memory session,
        uint256 item
    ) private returns (Corridor memory corridor) {
        if (corridorId == session.corridorId && corridorId != bytes32(0)) return session.corridor;
        _flushSession(session);
        corridor = _corridors[corridorId];
        if (corridor.sourceToken == address(0)) {
            _fail(item, abi.encodeWithSelector(RemittanceUnknownCorridor.selector, corridorId));
        }
        if (!corridor.enabled) _fail(item, abi.encodeWithSelector(RemittanceCorridorDisabled.selector, corridorId));
        DailyUsage memory usage = _usage[corridorId][session.sendingTenant];
        session.corridorId = corridorId;
        session.corridor = corridor;
        session.usedToday = usage.day == _today() ? usage.used : 0;
        session.providerAvailable = _balances[corridor.provider][corridor.destinationToken].available;
        session.senderLoaded = false;
    }

    /// @dev Writes back the counters of the session's corridor. Every value only moved within the bounds
    /// checked by the items (available balances down from a uint128, today's use up to a uint96 cap),
    /// so the narrowing casts are exact.
    function _flushSession(Session memory session) private {
        bytes32 corridorId = session.corridorId;
        if (corridorId == bytes32(0)) return;
        Corridor memory corridor = session.corridor;
        _usage[corridorId][session.sendingTenant] = DailyUsage({day: _today(), used: uint192(session.usedToday)});
        _balances[corridor.provider][corridor.destinationToken].available = uint128(session.providerAvailable);
        if (session.senderLoaded) {
            _balances[session.sendingTenant][corridor.sourceToken].available = uint128(session.senderAvailable);
        }
    }

    function _checkQuote(
        InitiateParams calldata params,
        bytes32 sendingTenant,
        Corridor memory corridor,
        uint256 item
    ) private view returns (bytes32 id) {
        Quote calldata quote = params.quote;
        id = RemittanceRecords.idOf(sendingTenant, params.clientRef);
        if (quote.sendingTenant != sendingTenant) {
            _fail(
                item,
                abi.encodeWithSelector(RemittanceQuoteForOtherOperator.selector, id, quote.sendingTenant, sendingTenant)
            );
        }
        if (quote.receivingTenant == sendingTenant) {
            _fail(item, abi.encodeWithSelector(RemittanceReceiverIsSender.selector, sendingTenant));
        }
        uint64 expiry = quote.expiry;
        if (block.timestamp > expiry) _fail(item, abi.encodeWithSelector(RemittanceQuoteExpired.selector, id, expiry));
        if (_records[id] != bytes32(0)) _fail(item, abi.encodeWithSelector(RemittanceQuoteAlreadyUsed.selector, id));

        uint256 amount = quote.sourceAmount;
        if (amount < corridor.minAmount || amount > corridor.maxAmount) {
            _fail(
                item,
                abi.encodeWithSelector(
                    RemittanceAmountOutOfRange.selector,
                    quote.corridorId,
                    amount,
                    corridor.minAmount,
                    corridor.maxAmount
                )
            );
        }
        if (quote.destinationAmount == 0) {
            _fail(item, abi.encodeWithSelector(RemittanceZeroDestinationAmount.selector, id));
        }
        uint256 fee = _fee(corridor.feeFixed, corridor.feeBps, amount);
        if (quote.fee != fee) {
            _fail(item, abi.encodeWithSelector(RemittanceFeeMismatch.selector, id, quote.fee, fee));
        }
        uint256 latest = uint256(expiry) + corridor.settlementWindow;
        if (quote.latestDeadline < latest) latest = quote.latestDeadline;
        uint256 earliest = block.timestamp + corridor.minReceiverWindow;
        uint64 deadline = params.deadline;
        if (deadline < earliest || deadline > latest) {
            _fail(item, abi.encodeWithSelector(RemittanceInvalidDeadline.selector, deadline, earliest, latest));
        }
    }

    function _useDailyCap(Session memory session, uint256 amount, uint256 item) private pure {
        uint256 used = session.usedToday;
        uint256 dailyCap = session.corridor.dailyCap;
        // used <= dailyCap and amount <= maxAmount, both uint96: the sum cannot overflow.
        if (used + amount > dailyCap) {
            _fail(
                item,
                abi.encodeWithSelector(
                    RemittanceDailyCapExceeded.selector,
                    session.corridorId,
                    session.sendingTenant,
                    used,
                    amount,
                    dailyCap
                )
            );
        }
        session.usedToday = used + amount;
    }

    /// @dev The quote's signer must be a LiquidityProvider member of the corridor's active provider, and
    /// its receiving operator an active PaymentOperator tenant. One registry call answers both, and none
    /// while batch items repeat the signer, provider and receiver already checked.
    function _checkParties(
        InitiateParams calldata params,
        bytes32 id,
        bytes32 provider,
        Session memory session,
        uint256 item
    ) private view {
        address signer = _recoverSigner(params, id, item);
        bytes32 receiver = params.quote.receivingTenant;
        if (signer == session.signer && provider == session.signerProvider && receiver == session.receivingTenant) {
            return;
        }
        (
            bytes32 tenantId,
            TenantStatus status,
            uint16 tenantRoles,
            uint16 memberRoles,
            TenantStatus receiverStatus,
            uint16 receiverRoles
        ) = _registry.memberAndTenantOf(signer, receiver);
        if (
            tenantId != provider ||
            !tenantRoles.includes(TenantRoles.LIQUIDITY_PROVIDER) ||
            !memberRoles.includes(TenantRoles.LIQUIDITY_PROVIDER)
        ) {
            _fail(item, abi.encodeWithSelector(RemittanceQuoteSignerNotProvider.selector, id, signer, provider));
        }
        if (status != TenantStatus.Active) {
            _fail(item, abi.encodeWithSelector(RegistryTenantNotActive.selector, provider, status));
        }
        if (receiverStatus != TenantStatus.Active) {
            _fail(item, abi.encodeWithSelector(RegistryTenantNotActive.selector, receiver, receiverStatus));
        }
        if (!receiverRoles.includes(TenantRoles.PAYMENT_OPERATOR)) {
            _fail(
                item,
                abi.encodeWithSelector(RegistryMissingRole.selector, address(0), receiver, TenantRoles.PAYMENT_OPERATOR)
            );
        }
        session.signer = signer;
        session.signerProvider = provider;
        session.receivingTenant = receiver;
    }

    function _recoverSigner(
        InitiateParams calldata params,
        bytes32 id,
        uint256 item
    ) private view returns (address signer) {
        bytes32 digest = _hashTypedDataV4(RemittanceRecords.structHash(params.quote, id));
        ECDSA.RecoverError recoverError;
        (signer, recoverError, ) = ECDSA.tryRecover(digest, params.signatureR, params.signatureVS);
        if (recoverError != ECDSA.RecoverError.NoError) {
            _fail(item, abi.encodeWithSelector(RemittanceInvalidQuoteSignature.selector, id));
        }
    }

    /// @dev Stores the packed record hash and emits `RemittanceInitiated`. The record is laid out in memory
    /// once: hashed in place (its memory layout is its ABI encoding, ten static words), and its last seven
    /// words, followed by the corridor id and the two hashes, are the event's data (`emit` with thirteen
    /// arguments would not fit the stack, and would encode the same words again).
    function _record(
        InitiateParams calldata params,
        bytes32 id,
        bytes32 sendingTenant,
        Corridor memory corridor
    ) private {
        Quote calldata quote = params.quote;
        Remittance memory record = Remittance({
            id: id,
            sendingTenant: sendingTenant,
            receivingTenant: quote.receivingTenant,
            provider: corridor.provider,
            sourceToken: corridor.sourceToken,
            destinationToken: corridor.destinationToken,
            sourceAmount: quote.sourceAmount,
            destinationAmount: quote.destinationAmount,
            fee: quote.fee,
            deadline: params.deadline
        });
        _records[id] = RemittanceRecords.hash(record).pack(RemittanceStatus.Initiated);

        bytes32 topic = RemittanceInitiated.selector;
        bytes32 corridorId = quote.corridorId;
        bytes32 recipientHash = params.recipientHash;
        bytes32 complianceHash = params.complianceHash;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let data := mload(0x40)
            mcopy(data, add(record, 0x60), 0xe0)
            mstore(add(data, 0xe0), corridorId)
            mstore(add(data, 0x100), recipientHash)
            mstore(add(data, 0x120), complianceHash)
            log4(data, 0x140, topic, id, sendingTenant, mload(add(record, 0x40)))
        }
    }

    // ------------------------------------------------------------------ settlement

    /// @dev The caller of `confirmPayout*` and the tenant it receives for (see `_receiverTenant`).
    function _settlement() private view returns (Settlement memory settlement) {
        settlement.caller = _msgSender();
        settlement.receivingTenant = _receiverTenant(settlement.caller, true);
    }

    function _confirm(
        Remittance calldata remittance,
        bytes32 payoutRef,
        Settlement memory settlement,
        uint256 item
    ) private {
        _requireReceiver(remittance, settlement.receivingTenant, settlement.caller, item);
        bytes32 slot = _pending(remittance, item);
        if (block.timestamp > remittance.deadline) {
            _fail(item, abi.encodeWithSelector(RemittanceDeadlinePassed.selector, remittance.id, remittance.deadline));
        }
        _records[remittance.id] = slot.pack(RemittanceStatus.PaidOut);
        if (
            remittance.provider != settlement.provider ||
            remittance.sourceToken != settlement.sourceToken ||
            remittance.destinationToken != settlement.destinationToken
        ) {
            _flushSettlement(settlement);
            _loadSettlement(settlement, remittance);
        }
        settlement.receiverAvailable += remittance.destinationAmount;
        settlement.providerAvailable += remittance.sourceAmount;
        settlement.platformFees += remittance.fee;
        emit RemittancePaidOut(remittance.id, remittance.sendingTenant, remittance.receivingTenant, payoutRef);
    }

    function _loadSettlement(Settlement memory settlement, Remittance calldata remittance) private view {
        settlement.provider = remittance.provider;
        settlement.sourceToken = remittance.sourceToken;
        settlement.destinationToken = remittance.destinationToken;
        settlement.receiverAvailable = _balances[settlement.receivingTenant][remittance.destinationToken].available;
        Balance memory sourceLeg = _balances[remittance.provider][remittance.sourceToken];
        settlement.providerAvailable = sourceLeg.available;
        settlement.platformFees = sourceLeg.platformFees;
    }

    /// @dev Writes back the settlement cache; a sum beyond uint128 reverts the call (`SafeCast`).
    function _flushSettlement(Settlement memory settlement) private {
        if (settlement.provider == bytes32(0)) return;
        _balances[settlement.receivingTenant][settlement.destinationToken].available = SafeCast.toUint128(
            settlement.receiverAvailable
        );
        _balances[settlement.provider][settlement.sourceToken] = Balance({
            available: SafeCast.toUint128(settlement.providerAvailable),
            platformFees: SafeCast.toUint128(settlement.platformFees)
        });
    }

    /// @dev Refunds the source amount to the sending operator's ledger (also when the remittance was funded
    /// by a pull), pays the fee to the provider for the rate and liquidity it held, and returns the
    /// reservation to the provider's available liquidity. The ledger pays these out to whoever owns them
    /// whatever their tenant's status (`sweep` once no member can).
    function _release(Remittance calldata remittance) private {
        _balances[remittance.sendingTenant][remittance.sourceToken].available += remittance.sourceAmount;
        if (remittance.fee != 0) _balances[remittance.provider][remittance.sourceToken].available += remittance.fee;
        _balances[remittance.provider][remittance.destinationToken].available += remittance.destinationAmount;
    }

    /// @dev Returns the stored slot of a pending remittance whose record matches.
    function _pending(Remittance calldata remittance, uint256 item) private view returns (bytes32 slot) {
        slot = _records[remittance.id];
        if (slot == bytes32(0)) _fail(item, abi.encodeWithSelector(RemittanceUnknown.selector, remittance.id));
        if (!slot.matches(RemittanceRecords.hashCalldata(remittance))) {
            _fail(item, abi.encodeWithSelector(RemittanceRecordMismatch.selector, remittance.id));
        }
        RemittanceStatus status = slot.statusOf();
        if (status != RemittanceStatus.Initiated) {
            _fail(item, abi.encodeWithSelector(RemittanceNotPending.selector, remittance.id, status));
        }
    }

    /// @dev The tenant `caller` acts for as a receiving operator (a PaymentOperator member of a
    /// PaymentOperator tenant), or zero when it cannot act as one. Confirming needs a tenant that is not
    /// offboarded: a suspended operator still settles payouts it already made to recipients. Rejecting
    /// only gives money back, so a tenant in any status may.
    function _receiverTenant(address caller, bool confirming) private view returns (bytes32) {
        (bytes32 tenantId, TenantStatus status, uint16 tenantRoles, uint16 memberRoles) = _registry.memberOf(caller);
        if (
            !tenantRoles.includes(TenantRoles.PAYMENT_OPERATOR) || !memberRoles.includes(TenantRoles.PAYMENT_OPERATOR)
        ) {
            return bytes32(0);
        }
        if (confirming) {
            if (status == TenantStatus.Offboarded) revert RemittanceReceiverOffboarded(tenantId);
            if (status == TenantStatus.Frozen) revert RemittanceTenantFrozen(tenantId);
        }
        return tenantId;
    }

    function _requireReceiver(
        Remittance calldata remittance,
        bytes32 callerTenant,
        address caller,
        uint256 item
    ) private pure {
        if (callerTenant == bytes32(0) || callerTenant != remittance.receivingTenant) {
            _fail(
                item,
                abi.encodeWithSelector(
                    RemittanceNotReceiver.selector,
                    remittance.id,
                    caller,
                    remittance.receivingTenant
                )
            );
        }
    }

    // ------------------------------------------------------------------ ledger internals

    /// @dev Pulls first and credits after, because only the balance difference tells what arrived; the
    /// guard on every token-moving entry point keeps the token from re-entering in between.
    function _deposit(bytes32 tenantId, address token, uint256 amount, address from) private {
        if (amount == 0) revert RemittanceZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = _receivedSince(token, before);
        if (received != amount) revert RemittanceTransferShortfall(token, amount, received);
        Balance storage entry = _balances[tenantId][token];
        entry.available = SafeCast.toUint128(entry.available + amount);
        emit Deposited(tenantId, token, from, amount);
    }

    /// @dev Pulls the locked amount of a remittance funded from the member's wallet.
    function _pull(address token, address from, uint256 amount, uint256 item) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        if (!IERC20(token).trySafeTransferFrom(from, address(this), amount)) {
            _fail(item, abi.encodeWithSelector(RemittanceTransferFailed.selector, token, from, amount));
        }
        uint256 received = _receivedSince(token, before);
        if (received != amount) {
            _fail(item, abi.encodeWithSelector(RemittanceTransferShortfall.selector, token, amount, received));
        }
    }

    /// @dev What arrived since `before`; a token whose transfer shrank the balance delivered nothing, so the
    /// caller reports a shortfall instead of an arithmetic panic.
    function _receivedSince(address token, uint256 before) private view returns (uint256) {
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        return afterwards > before ? afterwards - before : 0;
    }

    function _debit(bytes32 tenantId, address token, uint256 amount) private {
        Balance storage entry = _balances[tenantId][token];
        uint256 available = entry.available;
        if (available < amount) revert RemittanceInsufficientBalance(tenantId, token, available, amount);
        unchecked {
            // Checked just above: amount <= available, which fits uint128.
            entry.available = uint128(available - amount);
        }
    }

    /// @dev Takes the destination amount out of the provider's available liquidity into the record.
    function _reserve(Session memory session, uint256 amount, uint256 item) private pure {
        uint256 available = session.providerAvailable;
        if (available < amount) {
            _fail(
                item,
                abi.encodeWithSelector(
                    RemittanceInsufficientLiquidity.selector,
                    session.corridor.provider,
                    session.corridor.destinationToken,
                    available,
                    amount
                )
            );
        }
        unchecked {
            // Checked just above: amount <= available.
            session.providerAvailable = available - amount;
        }
    }

    /// @dev Takes the locked amount out of the sender's available balance into the record.
    function _debitSender(Session memory session, uint256 amount, uint256 item) private view {
        if (!session.senderLoaded) {
            session.senderAvailable = _balances[session.sendingTenant][session.corridor.sourceToken].available;
            session.senderLoaded = true;
        }
        uint256 available = session.senderAvailable;
        if (available < amount) {
            _fail(
                item,
                abi.encodeWithSelector(
                    RemittanceInsufficientBalance.selector,
                    session.sendingTenant,
                    session.corridor.sourceToken,
                    available,
                    amount
                )
            );
        }
        unchecked {
            // Checked just above: amount <= available.
            session.senderAvailable = available - amount;
        }
    }

    /// @dev The tenant whose ledger `account` may use: it and its tenant hold PaymentOperator or
    /// LiquidityProvider. Deposits need the tenant active. Withdrawals (`treasury`) need the member's
    /// `TREASURY` permission and a tenant in any status but `Frozen`: a suspended or offboarded tenant still
    /// withdraws what it owns, so money is never stuck.
    function _ledgerTenant(address account, bool treasury) private view returns (bytes32 tenantId) {
        TenantStatus status;
        uint16 tenantRoles;
        uint16 memberRoles;
        (tenantId, status, tenantRoles, memberRoles) = _registry.memberOf(account);
        if (tenantId == bytes32(0) || tenantRoles & memberRoles & LEDGER_ROLES == 0) {
            revert RemittanceNotLedgerMember(account, tenantId);
        }
        if (!treasury) {
            if (status != TenantStatus.Active) revert RegistryTenantNotActive(tenantId, status);
        } else {
            if (!memberRoles.includes(TenantRoles.TREASURY)) revert RemittanceNotTreasurer(account, tenantId);
            if (status == TenantStatus.Frozen) revert RemittanceTenantFrozen(tenantId);
        }
    }

    function _hasLedgerRole(bytes32 tenantId) private view returns (bool) {
        return
            _registry.tenantHasRole(tenantId, TenantRoles.PAYMENT_OPERATOR) ||
            _registry.tenantHasRole(tenantId, TenantRoles.LIQUIDITY_PROVIDER);
    }

    // ------------------------------------------------------------------ helpers

    function _checkCorridor(Corridor calldata corridor) private view {
        if (
            corridor.sourceToken == address(0) ||
            corridor.destinationToken == address(0) ||
            corridor.sourceToken == corridor.destinationToken
        ) {
            revert RemittanceInvalidCorridorTokens(corridor.sourceToken, corridor.destinationToken);
        }
        if (
            corridor.minAmount == 0 || corridor.minAmount > corridor.maxAmount || corridor.maxAmount > corridor.dailyCap
        ) {
            revert RemittanceInvalidCorridorLimits(corridor.minAmount, corridor.maxAmount, corridor.dailyCap);
        }
        if (corridor.feeBps > MAX_FEE_BPS) revert RemittanceInvalidFeeBps(corridor.feeBps, MAX_FEE_BPS);
        if (corridor.settlementWindow == 0 || corridor.settlementWindow > MAX_SETTLEMENT_WINDOW) {
            revert RemittanceInvalidSettlementWindow(corridor.settlementWindow, MAX_SETTLEMENT_WINDOW);
        }
        if (corridor.minReceiverWindow == 0 || corridor.minReceiverWindow > corridor.settlementWindow) {
            revert RemittanceInvalidReceiverWindow(corridor.minReceiverWindow, corridor.settlementWindow);
        }
        // A disabled corridor may keep a provider that is no longer active: that is how the operator
        // stops a corridor whose provider was suspended.
        if (corridor.enabled) _registry.requireActiveTenant(corridor.provider, TenantRoles.LIQUIDITY_PROVIDER);
    }

    function _checkBatchSize(uint256 size) private pure {
        if (size == 0 || size > MAX_BATCH_SIZE) revert RemittanceBatchSize(size, MAX_BATCH_SIZE);
    }

    function _fee(uint256 feeFixed, uint256 feeBps, uint256 amount) private pure returns (uint256) {
        return feeFixed + (amount * feeBps) / BPS;
    }

    function _today() private view returns (uint64) {
        return uint64(block.timestamp / 1 days);
    }

    /// @dev Reverts with `reason` (an ABI-encoded error), wrapped with the item's index inside a batch.
    function _fail(uint256 item, bytes memory reason) private pure {
        if (item != NOT_IN_BATCH) revert RemittanceBatchItemFailed(item, reason);
        // Re-raises an already encoded error as is: Solidity has no statement for that.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }

    // ------------------------------------------------------------------ ERC-2771 plumbing

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
