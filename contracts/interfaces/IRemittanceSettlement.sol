// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITenantRegistryView} from "./ITenantRegistry.sol";
import {ITenantRegistryErrors} from "./ITenantRegistryErrors.sol";

/// @title Cross-border remittance settlement: HK wallet -> PH wallet, both legs settled atomically.
/// @notice A sending payment operator initiates a remittance with a firm FX quote signed by the corridor's
/// liquidity provider: the source amount and the platform fee are locked, and the destination amount is
/// reserved from the provider's liquidity. The receiving payment operator pays the recipient in its own
/// wallet system, then confirms the payout: destination amount to the receiving operator, source amount
/// to the provider, fee to the platform, in one transaction (payment versus payment). Or it rejects, and
/// everything goes back. Past its deadline anyone can refund a remittance still pending.
///
/// Money sits in a settlement ledger of internal balances per (tenant, token), funded by `deposit` and
/// drained by `withdraw`, so parties settle many remittances without a token transfer each. A pending
/// remittance holds its locked source amount and fee, and its reserved destination amount, in its record:
/// they left the sender's and the provider's available balances at initiation and can be withdrawn by no
/// one until the remittance is paid out, rejected or refunded.
///
/// Storage holds one slot per remittance: the hash of its record with the status packed into its lowest
/// byte. Calls that settle a remittance take the record back in calldata and check it against the hash;
/// `RemittanceInitiated` carries every field of the record, so a relayer never needs to read state to act.
///
/// Identity, single use and idempotency share that slot. The remittance id is the quote id, and the quote
/// id is derived from the sending operator's client reference:
/// `quoteId = keccak256(abi.encode(sendingTenant, clientRef))`. A provider quotes for one client reference
/// of one operator; a quote is used at most once, a client reference creates at most one remittance, and a
/// re-quote for the same payment can never settle twice.
///
/// The quote binds both operators and the latest deadline the provider accepts, so the provider prices
/// exactly the risk it carries. A sender cannot be its own receiver. A reject or an expiry refunds the
/// sender's source amount but not its fee: the fee goes to the provider, which held its rate and
/// liquidity for the remittance and carried the FX risk until then; it makes an unused firm quote cost
/// the sender what it would have cost had it settled, so a quote is no free option. The receiver is
/// guaranteed at least the corridor's `minReceiverWindow` between initiation and the deadline, because
/// the flow has it pay the recipient out before it confirms.
///
/// Platform fees accrue in the ledger entry of the provider whose corridor earned them, in a half of that
/// entry owned by the platform (`feesAccrued`, `withdrawFees`): settling writes one slot for the
/// provider's source leg and the fee.
interface IRemittanceSettlement is ITenantRegistryErrors {
    // ---------------------------------------------------------------- types

    /// @notice Lifecycle of a remittance. `PaidOut`, `Rejected` and `Expired` are final.
    enum RemittanceStatus {
        None,
        Initiated,
        PaidOut,
        Rejected,
        Expired
    }

    /// @notice Where the source amount and the fee of a new remittance come from.
    /// @dev `Ledger`: the sending operator's ledger balance. `Pull`: `transferFrom` the calling member's
    /// wallet (it must have approved this contract), straight into the remittance lock.
    enum Funding {
        Ledger,
        Pull
    }

    /// @notice A corridor: which tokens, which liquidity provider, which limits and which platform fee.
    /// @dev Fields are ordered and sized so that the corridor packs into four storage slots: the last
    /// one holds `dailyCap` (96 bits), `feeFixed` (88), `feeBps` (16), `settlementWindow` (32),
    /// `minReceiverWindow` (16) and `enabled` (8), 256 bits; `initiate` reads all four.
    /// The tokens are fixed when the corridor opens; everything else can be updated.
    /// @param sourceToken token the sending operator pays in (e.g. tHKD)
    /// @param minAmount smallest source amount of one remittance (base units)
    /// @param destinationToken token the receiving operator is paid in (e.g. tPHP)
    /// @param maxAmount largest source amount of one remittance (base units)
    /// @param provider tenant id of the liquidity provider (a settlement bank) that quotes and converts
    /// @param dailyCap most source amount one sending operator may initiate in the corridor per UTC day.
    /// A calendar-day bucket, chosen over a rolling 24-hour window because it costs one slot per sender
    /// and corridor: up to twice the cap can pass within 24 hours around midnight UTC (the cap of the day
    /// ending, then that of the day starting). Size the cap at half the 24-hour exposure accepted.
    /// @param feeFixed fixed part of the platform fee, in source-token base units (a uint88: 3e26 base
    /// units, so that the corridor keeps its four slots with the receiver window)
    /// @param feeBps proportional part of the platform fee, in basis points of the source amount
    /// @param settlementWindow seconds a remittance may stay pending after its quote expires
    /// @param minReceiverWindow seconds the receiving operator is guaranteed between initiation and the
    /// deadline, to pay out and confirm; `0 < minReceiverWindow <= settlementWindow` (a uint16: at most
    /// about 18 hours, far above the minutes a payout takes)
    /// @param enabled whether new remittances may be initiated (settlement of pending ones goes on)
    struct Corridor {
        address sourceToken;
        uint96 minAmount;
        address destinationToken;
        uint96 maxAmount;
        bytes32 provider;
        uint96 dailyCap;
        uint88 feeFixed;
        uint16 feeBps;
        uint32 settlementWindow;
        uint16 minReceiverWindow;
        bool enabled;
    }

    /// @notice The terms of a firm FX quote, as `initiate` takes them.
    /// @dev A member of the corridor's provider holding the LiquidityProvider role signs them (EIP-712,
    /// domain "RemittanceSettlement" version "1") together with the quote id:
    /// `Quote(bytes32 corridorId,bytes32 sendingTenant,bytes32 receivingTenant,bytes32 quoteId,
    /// uint128 sourceAmount,uint128 destinationAmount,uint128 fee,uint64 expiry,uint64 latestDeadline)`.
    /// The id is not passed: the contract derives it from the client reference,
    /// `quoteId = remittanceId(sendingTenant, clientRef)`, so a quote only works with the client reference
    /// it was priced for (with any other, the signature recovers an unrelated signer).
    /// @param corridorId the corridor it prices
    /// @param sendingTenant the only operator that may use it
    /// @param receivingTenant the only operator it may pay out to (never the sending operator)
    /// @param sourceAmount what the sending operator pays, fee excluded (source-token base units)
    /// @param destinationAmount what the receiving operator gets (destination-token base units)
    /// @param fee the platform fee; must equal the corridor's fee for `sourceAmount`
    /// @param expiry last second (unix time) at which the quote can be used
    /// @param latestDeadline the latest remittance deadline the provider accepts: how long it holds the
    /// rate and the reserved liquidity at most
    struct Quote {
        bytes32 corridorId;
        bytes32 sendingTenant;
        bytes32 receivingTenant;
        uint128 sourceAmount;
        uint128 destinationAmount;
        uint128 fee;
        uint64 expiry;
        uint64 latestDeadline;
    }

    /// @notice Everything `initiate` needs for one remittance.
    /// @param quote the provider's signed quote
    /// @param signatureR the quote signature's `r` (ERC-2098 compact form)
    /// @param signatureVS the quote signature's `s`, with the parity of `v` in its top bit (ERC-2098); an
    /// `s` in the upper half of the curve order is refused, as OpenZeppelin's ECDSA does, so no signature
    /// has a usable malleable twin
    /// @param clientRef the sending operator's own reference of this payment (idempotency key)
    /// @param recipientHash hash of the recipient's identity and account (kept off chain)
    /// @param complianceHash hash of the travel-rule / compliance data (kept off chain)
    /// @param deadline last second at which the payout can be confirmed; then anyone can refund
    /// @param funding where the source amount and the fee come from
    struct InitiateParams {
        Quote quote;
        bytes32 signatureR;
        bytes32 signatureVS;
        bytes32 clientRef;
        bytes32 recipientHash;
        bytes32 complianceHash;
        uint64 deadline;
        Funding funding;
    }

    /// @notice The record of a remittance: what settles it. Only its hash is stored; calls that settle
    /// pass it back exactly as `RemittanceInitiated` emitted it.
    struct Remittance {
        bytes32 id;
        bytes32 sendingTenant;
        bytes32 receivingTenant;
        bytes32 provider;
        address sourceToken;
        address destinationToken;
        uint128 sourceAmount;
        uint128 destinationAmount;
        uint128 fee;
        uint64 deadline;
    }

    /// @notice One item of `confirmPayoutBatch`.
    struct Payout {
        Remittance remittance;
        bytes32 payoutRef;
    }

    // ---------------------------------------------------------------- errors

    /// @notice A corridor id must not be zero.
    error RemittanceZeroCorridorId();
    /// @notice A corridor with this id was opened already.
    error RemittanceCorridorExists(bytes32 corridorId);
    /// @notice No corridor has this id.
    error RemittanceUnknownCorridor(bytes32 corridorId);
    /// @notice The corridor exists but takes no new remittances.
    error RemittanceCorridorDisabled(bytes32 corridorId);
    /// @notice The corridor's tokens are zero or the same token.
    error RemittanceInvalidCorridorTokens(address sourceToken, address destinationToken);
    /// @notice An update tried to change a corridor's tokens, which are fixed when it opens.
    error RemittanceCorridorTokensFixed(bytes32 corridorId, address sourceToken, address destinationToken);
    /// @notice The limits are not `0 < minAmount <= maxAmount <= dailyCap`.
    error RemittanceInvalidCorridorLimits(uint256 minAmount, uint256 maxAmount, uint256 dailyCap);
    /// @notice The proportional fee is above the maximum.
    error RemittanceInvalidFeeBps(uint16 feeBps, uint16 maxFeeBps);
    /// @notice The settlement window is zero or above the maximum.
    error RemittanceInvalidSettlementWindow(uint32 settlementWindow, uint32 maxSettlementWindow);
    /// @notice The receiver's minimum window is zero or longer than the settlement window.
    error RemittanceInvalidReceiverWindow(uint16 minReceiverWindow, uint32 settlementWindow);
    /// @notice A quote names the same operator as sender and receiver.
    error RemittanceReceiverIsSender(bytes32 tenantId);
    /// @notice The account's tenant is frozen: it can neither confirm payouts nor withdraw.
    error RemittanceTenantFrozen(bytes32 tenantId);
    /// @notice Withdrawing needs the member's `TREASURY` permission.
    error RemittanceNotTreasurer(address account, bytes32 tenantId);
    /// @notice The tenant's members can still withdraw: it is not offboarded and holds a ledger role.
    error RemittanceNotSweepable(bytes32 tenantId, TenantStatus status);
    /// @notice An amount is zero.
    error RemittanceZeroAmount();
    /// @notice An address is zero.
    error RemittanceZeroAddress();
    /// @notice The token delivered less than asked (fee-on-transfer tokens are not supported).
    error RemittanceTransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice Pulling the source amount and fee from the member's wallet failed (allowance or balance).
    error RemittanceTransferFailed(address token, address from, uint256 amount);
    /// @notice The account may not use the tenant ledger: it is no member of a tenant, or it or its tenant
    /// holds neither the PaymentOperator nor the LiquidityProvider role.
    error RemittanceNotLedgerMember(address account, bytes32 tenantId);
    /// @notice The tenant's available ledger balance (or the platform's accrued fees, with the provider as
    /// tenant) is below what the call needs.
    error RemittanceInsufficientBalance(bytes32 tenantId, address token, uint256 available, uint256 needed);
    /// @notice The provider's available liquidity is below the destination amount to reserve.
    error RemittanceInsufficientLiquidity(bytes32 provider, address token, uint256 available, uint256 needed);
    /// @notice Only the fee collector may withdraw platform fees.
    error RemittanceNotFeeCollector(address caller);
    /// @notice The quote's expiry has passed.
    error RemittanceQuoteExpired(bytes32 quoteId, uint64 expiry);
    /// @notice The quote id (equivalently the sending operator's client reference) was used already.
    error RemittanceQuoteAlreadyUsed(bytes32 quoteId);
    /// @notice The quote was issued to another sending operator.
    error RemittanceQuoteForOtherOperator(bytes32 quoteId, bytes32 quotedTenant, bytes32 callerTenant);
    /// @notice The quote signature is malformed, malleable or does not recover to any signer.
    error RemittanceInvalidQuoteSignature(bytes32 quoteId);
    /// @notice The quote signer is not a member of the corridor's provider holding the LiquidityProvider role
    /// (also what a quote used with another client reference than its own recovers to).
    error RemittanceQuoteSignerNotProvider(bytes32 quoteId, address signer, bytes32 provider);
    /// @notice The source amount is outside the corridor's per-remittance limits.
    error RemittanceAmountOutOfRange(bytes32 corridorId, uint256 amount, uint256 minAmount, uint256 maxAmount);
    /// @notice The quote's destination amount is zero.
    error RemittanceZeroDestinationAmount(bytes32 quoteId);
    /// @notice The quote's fee is not the corridor's fee for its source amount.
    error RemittanceFeeMismatch(bytes32 quoteId, uint256 quotedFee, uint256 corridorFee);
    /// @notice The deadline leaves the receiver less than the corridor's minimum window (`earliest`), or is
    /// later than the quote's latest deadline or its expiry plus the corridor's settlement window (`latest`).
    error RemittanceInvalidDeadline(uint64 deadline, uint256 earliest, uint256 latest);
    /// @notice The remittance would take the sending operator's use of the corridor today above its cap.
    error RemittanceDailyCapExceeded(
        bytes32 corridorId,
        bytes32 sendingTenant,
        uint256 usedToday,
        uint256 amount,
        uint256 dailyCap
    );
    /// @notice No remittance has this id.
    error RemittanceUnknown(bytes32 id);
    /// @notice The record passed does not match the stored hash of the remittance.
    error RemittanceRecordMismatch(bytes32 id);
    /// @notice The remittance is not pending: it reached a final status.
    error RemittanceNotPending(bytes32 id, RemittanceStatus status);
    /// @notice The caller is not a member of the receiving operator holding the PaymentOperator role.
    error RemittanceNotReceiver(bytes32 id, address caller, bytes32 receivingTenant);
    /// @notice The receiving operator was offboarded: it can only reject, or let the remittance expire.
    error RemittanceReceiverOffboarded(bytes32 receivingTenant);
    /// @notice The remittance's deadline has passed: it can only be refunded.
    error RemittanceDeadlinePassed(bytes32 id, uint64 deadline);
    /// @notice The remittance's deadline has not passed yet: it cannot be refunded as expired.
    error RemittanceDeadlineNotReached(bytes32 id, uint64 deadline);
    /// @notice A batch is empty or larger than the maximum.
    error RemittanceBatchSize(uint256 size, uint256 maxSize);
    /// @notice Item `index` of a batch failed with `reason` (the item's own error); nothing was done.
    error RemittanceBatchItemFailed(uint256 index, bytes reason);

    // ---------------------------------------------------------------- events

    /// @notice The platform operator opened a corridor.
    event CorridorOpened(bytes32 indexed corridorId, Corridor corridor);
    /// @notice The platform operator updated a corridor's provider, limits, fee, window or enabled flag.
    event CorridorUpdated(bytes32 indexed corridorId, Corridor corridor);
    /// @notice A member funded its tenant's ledger.
    event Deposited(bytes32 indexed tenantId, address indexed token, address indexed by, uint256 amount);
    /// @notice A member drew from its tenant's ledger.
    event Withdrawn(bytes32 indexed tenantId, address indexed token, address indexed to, uint256 amount, address by);
    /// @notice Ledger money of a tenant whose members can no longer withdraw it went to its settlement address.
    event Swept(bytes32 indexed tenantId, address indexed token, address indexed to, uint256 amount, address by);
    /// @notice The fee collector withdrew platform fees accrued in a provider's ledger entry.
    event FeesWithdrawn(bytes32 indexed provider, address indexed token, address indexed to, uint256 amount);
    /// @notice Governance changed the fee collector.
    event FeeCollectorChanged(address indexed previousCollector, address indexed feeCollector);
    /// @notice A remittance was initiated: source amount and fee locked, destination amount reserved.
    /// @dev The record that `confirmPayout`, `reject` and `refundExpired` take back is
    /// `(id, sendingTenant, receivingTenant, provider, sourceToken, destinationToken, sourceAmount,
    /// destinationAmount, fee, deadline)`: the first ten fields of this event, in order.
    /// The sending operator's client reference is not repeated: `id` is `remittanceId(sendingTenant, clientRef)`,
    /// so the sender finds its payment by the id it derives, and anyone can check a claimed reference.
    /// @param corridorId the corridor it runs through
    /// @param recipientHash hash of the recipient's identity and account, for the receiving operator
    /// @param complianceHash hash of the travel-rule data exchanged off chain
    event RemittanceInitiated(
        bytes32 indexed id,
        bytes32 indexed sendingTenant,
        bytes32 indexed receivingTenant,
        bytes32 provider,
        address sourceToken,
        address destinationToken,
        uint128 sourceAmount,
        uint128 destinationAmount,
        uint128 fee,
        uint64 deadline,
        bytes32 corridorId,
        bytes32 recipientHash,
        bytes32 complianceHash
    );
    /// @notice The receiving operator confirmed the payout; both legs and the fee settled in the ledger.
    event RemittancePaidOut(
        bytes32 indexed id,
        bytes32 indexed sendingTenant,
        bytes32 indexed receivingTenant,
        bytes32 payoutRef
    );
    /// @notice The receiving operator rejected the remittance; the sender was refunded its source amount, the
    /// fee went to the provider, the reservation was released.
    event RemittanceRejected(
        bytes32 indexed id,
        bytes32 indexed sendingTenant,
        bytes32 indexed receivingTenant,
        uint32 reasonCode
    );
    /// @notice The remittance passed its deadline unconfirmed and was refunded as on a reject.
    event RemittanceExpired(bytes32 indexed id, bytes32 indexed sendingTenant, bytes32 indexed receivingTenant);

    // ---------------------------------------------------------------- corridors

    /// @notice Opens a corridor.
    /// @dev Requirements:
    /// - caller holds `OPERATOR_ROLE`;
    /// - `corridorId` is non-zero (`RemittanceZeroCorridorId`) and new (`RemittanceCorridorExists`);
    /// - tokens are non-zero and different (`RemittanceInvalidCorridorTokens`);
    /// - the provider is an active tenant holding the LiquidityProvider role (registry errors);
    /// - `0 < minAmount <= maxAmount <= dailyCap` (`RemittanceInvalidCorridorLimits`);
    /// - `feeBps <= MAX_FEE_BPS` (`RemittanceInvalidFeeBps`);
    /// - `0 < settlementWindow <= MAX_SETTLEMENT_WINDOW` (`RemittanceInvalidSettlementWindow`);
    /// - `0 < minReceiverWindow <= settlementWindow` (`RemittanceInvalidReceiverWindow`).
    function openCorridor(bytes32 corridorId, Corridor calldata corridor) external;

    /// @notice Replaces a corridor's provider, limits, fee, settlement window and enabled flag. Pending
    /// remittances settle on the terms of their record; quotes signed by a former provider stop working.
    /// @dev Requirements: as `openCorridor`, except that the corridor must exist (`RemittanceUnknownCorridor`)
    /// and keep its tokens (`RemittanceCorridorTokensFixed`).
    function updateCorridor(bytes32 corridorId, Corridor calldata corridor) external;

    // ---------------------------------------------------------------- ledger

    /// @notice Credits `amount` of `token` to the caller's tenant, pulled from the caller's wallet.
    /// @dev Requirements:
    /// - caller is a ledger member (`RemittanceNotLedgerMember`) of an active tenant (`RegistryTenantNotActive`);
    /// - `amount > 0` (`RemittanceZeroAmount`); the caller approved this contract for it;
    /// - the token delivers exactly `amount` (`RemittanceTransferShortfall`).
    function deposit(address token, uint256 amount) external;

    /// @notice `deposit`, with an EIP-2612 permit signed by the caller instead of a prior approval.
    /// @dev A permit already used (e.g. front-run) is accepted when the allowance suffices anyway.
    function depositWithPermit(
        address token,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Sends `amount` of `token` from the caller's tenant's available balance to `to`. What pending
    /// remittances lock or reserve is not available. Suspended and offboarded tenants can still withdraw
    /// what they own; frozen ones cannot.
    /// @dev Requirements:
    /// - caller is a ledger member of its tenant (`RemittanceNotLedgerMember`) holding `TREASURY`
    ///   (`RemittanceNotTreasurer`), its tenant not frozen (`RemittanceTenantFrozen`);
    /// - `amount > 0` (`RemittanceZeroAmount`), `to` non-zero (`RemittanceZeroAddress`);
    /// - the available balance covers it (`RemittanceInsufficientBalance`).
    function withdraw(address token, uint256 amount, address to) external;

    /// @notice Sends a tenant's whole available balance of `token` to its registered settlement address,
    /// once its members can no longer withdraw it: the tenant is offboarded, or holds neither ledger role.
    /// Anyone may call it; the destination is the registry's, never the caller's choice.
    /// @dev Requirements: the tenant is sweepable (`RemittanceNotSweepable`); the balance is non-zero
    /// (`RemittanceZeroAmount`); the settlement address is set (`RemittanceZeroAddress`).
    function sweep(bytes32 tenantId, address token) external;

    /// @notice Sends platform fees of `token` accrued in `provider`'s ledger entry to `to`.
    /// @dev Requirements: caller is the fee collector (`RemittanceNotFeeCollector`); `amount > 0`
    /// (`RemittanceZeroAmount`); `to` non-zero (`RemittanceZeroAddress`); enough fees accrued there
    /// (`RemittanceInsufficientBalance`).
    function withdrawFees(bytes32 provider, address token, uint256 amount, address to) external;

    /// @notice Changes the address that may withdraw platform fees. Caller holds `DEFAULT_ADMIN_ROLE`.
    function setFeeCollector(address feeCollector) external;

    // ---------------------------------------------------------------- remittances

    /// @notice Initiates a remittance with a provider's quote; returns its id (the quote id).
    /// @dev Locks `sourceAmount + fee` (from the ledger or pulled, per `funding`) and reserves
    /// `destinationAmount` of the provider's available liquidity, both into the remittance's record.
    /// Requirements, in the order they are checked:
    /// - caller is a member of an active tenant holding PaymentOperator (registry errors);
    /// - the corridor exists (`RemittanceUnknownCorridor`) and is enabled (`RemittanceCorridorDisabled`);
    /// - the quote names the caller's tenant (`RemittanceQuoteForOtherOperator`) and another receiver
    ///   (`RemittanceReceiverIsSender`), is not expired
    ///   (`RemittanceQuoteExpired`), and its id (from the client reference) is not used
    ///   (`RemittanceQuoteAlreadyUsed`);
    /// - `minAmount <= sourceAmount <= maxAmount` (`RemittanceAmountOutOfRange`), a non-zero destination
    ///   amount (`RemittanceZeroDestinationAmount`), the corridor's fee (`RemittanceFeeMismatch`);
    /// - `now + minReceiverWindow <= deadline <= min(latestDeadline, expiry + settlementWindow)`
    ///   (`RemittanceInvalidDeadline`);
    /// - the sending operator's use of the corridor today stays within the cap (`RemittanceDailyCapExceeded`);
    /// - the signature is valid and not malleable (`RemittanceInvalidQuoteSignature`) and its signer a
    ///   LiquidityProvider member of the corridor's provider (`RemittanceQuoteSignerNotProvider`), which
    ///   is active (`RegistryTenantNotActive`);
    /// - the quote's receiving tenant is active and holds PaymentOperator (registry errors);
    /// - the sender's balance covers amount and fee (`RemittanceInsufficientBalance`, or
    ///   `RemittanceTransferFailed` / `RemittanceTransferShortfall` when pulling);
    /// - the provider's available liquidity covers the destination amount (`RemittanceInsufficientLiquidity`).
    function initiate(InitiateParams calldata params) external returns (bytes32 id);

    /// @notice Initiates several remittances for the caller's tenant, all or nothing.
    /// @dev A failing item reverts the whole batch with `RemittanceBatchItemFailed(index, reason)`, where
    /// `reason` is the error `initiate` would have raised for it; the relayer drops or fixes that item and
    /// resubmits the rest. Nothing is ever skipped silently. At most `MAX_BATCH_SIZE` items
    /// (`RemittanceBatchSize`). The caller is checked once for the batch: a caller that may not initiate
    /// fails the whole batch with the registry's error, unwrapped.
    function initiateBatch(InitiateParams[] calldata items) external returns (bytes32[] memory ids);

    /// @notice Confirms that the receiving operator paid the recipient, and settles: destination amount to
    /// the receiving operator, source amount to the provider, fee to the platform, all in the ledger.
    /// @param remittance the record, as `RemittanceInitiated` emitted it
    /// @param payoutRef the receiving operator's reference of the payout (e.g. a hash of its wallet transfer)
    /// @dev Requirements:
    /// - caller is a member of `remittance.receivingTenant` holding PaymentOperator (`RemittanceNotReceiver`);
    ///   a suspended receiver may still confirm payouts it made, a frozen one may not
    ///   (`RemittanceTenantFrozen`), nor an offboarded one (`RemittanceReceiverOffboarded`);
    /// - the record exists (`RemittanceUnknown`), matches (`RemittanceRecordMismatch`) and is pending
    ///   (`RemittanceNotPending`);
    /// - the deadline has not passed (`RemittanceDeadlinePassed`).
    function confirmPayout(Remittance calldata remittance, bytes32 payoutRef) external;

    /// @notice Confirms several payouts of the caller's tenant, all or nothing, with the same failure
    /// reporting as `initiateBatch` (`RemittanceBatchItemFailed`). An offboarded caller's tenant fails the
    /// whole batch unwrapped (`RemittanceReceiverOffboarded`).
    function confirmPayoutBatch(Payout[] calldata items) external;

    /// @notice The receiving operator refuses the remittance (e.g. recipient account closed): the sender's
    /// ledger is refunded the source amount (also when it was pulled from a wallet), the fee goes to the
    /// provider's available balance, and the reservation returns to the provider's available liquidity.
    /// @dev Requirements: caller is a PaymentOperator member of the receiving tenant, whatever its status
    /// (`RemittanceNotReceiver`); the record exists, matches and is pending. Allowed after the deadline too.
    function reject(Remittance calldata remittance, uint32 reasonCode) external;

    /// @notice Refunds a remittance whose deadline passed unconfirmed, as `reject` does (the fee to the
    /// provider). Anyone may call it.
    /// @dev Requirements: the record exists, matches and is pending; `now > deadline`
    /// (`RemittanceDeadlineNotReached`).
    function refundExpired(Remittance calldata remittance) external;

    // ---------------------------------------------------------------- views

    /// @notice The registry every call is checked against.
    function registry() external view returns (ITenantRegistryView);

    /// @notice The block this contract was deployed in: where an indexer starts reading its events.
    function deploymentBlock() external view returns (uint256);

    /// @notice The address that may withdraw platform fees.
    function feeCollector() external view returns (address);

    /// @notice A corridor's configuration (all zero for an unknown id).
    function getCorridor(bytes32 corridorId) external view returns (Corridor memory);

    /// @notice The number of corridors ever opened.
    function corridorCount() external view returns (uint256);

    /// @notice Corridor ids in opening order, `count` from index `start`.
    function corridorIds(uint256 start, uint256 count) external view returns (bytes32[] memory ids);

    /// @notice A tenant's available ledger balance of a token: what it can withdraw or commit to new
    /// remittances. Amounts locked or reserved by its pending remittances are not included.
    function balanceOf(bytes32 tenantId, address token) external view returns (uint256);

    /// @notice Platform fees of `token` accrued in `provider`'s ledger entry and not yet withdrawn.
    function feesAccrued(bytes32 provider, address token) external view returns (uint256);

    /// @notice How much source amount `tenantId` has initiated in the corridor today (UTC day).
    function usedToday(bytes32 corridorId, bytes32 tenantId) external view returns (uint256);

    /// @notice The platform fee the corridor charges on `sourceAmount`: `feeFixed + sourceAmount * feeBps / 10000`.
    function corridorFee(bytes32 corridorId, uint256 sourceAmount) external view returns (uint256);

    /// @notice The status of a remittance (`None` for an unknown id).
    function statusOf(bytes32 id) external view returns (RemittanceStatus);

    /// @notice The status of a remittance if `remittance` is its true record; reverts otherwise
    /// (`RemittanceUnknown`, `RemittanceRecordMismatch`).
    function verifyRecord(Remittance calldata remittance) external view returns (RemittanceStatus);

    /// @notice The remittance id (and quote id) of an operator's client reference.
    function remittanceId(bytes32 sendingTenant, bytes32 clientRef) external pure returns (bytes32);

    /// @notice The EIP-712 digest a provider signs for `quote`, priced for `clientRef`.
    function quoteDigest(Quote calldata quote, bytes32 clientRef) external view returns (bytes32);
}
