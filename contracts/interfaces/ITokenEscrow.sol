// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ITenantRegistryErrors} from "./ITenantRegistryErrors.sol";

/// @title Token escrow for SME trade: an ERC-20 payment held until delivery.
/// @notice A payer (buyer) locks a settlement token for a payee (seller) until the payer releases it, in one
/// go or milestone by milestone; the payee claims it with the preimage of a hashlock (delivery versus
/// payment); the payee gives it back; the deadline passes and anyone returns it to the payer; or, when an
/// arbiter was named, a party disputes and the arbiter splits it.
///
/// A deal is identified by the keccak256 of its immutable terms (`dealId(terms)`): the contract keeps only a
/// one-slot record of what changes (status, milestones released, amount released), and every later call
/// passes the terms back, checked against the id. `DealOpened` carries the terms, so an off-chain reader
/// rebuilds every deal from events alone.
///
/// Lifecycle: `Funded -> Released | Refunded | Disputed -> Resolved`. A disputed deal can also end
/// `Released` (the payer gives in), or `Refunded` (the payee gives in, or the arbiter never decides: see
/// `refund`). `Released`, `Refunded` and `Resolved` are final.
///
/// Money: the platform fee is `feeBps` of what the payee is paid over the whole deal, rounded down once:
/// each part's fee is the fee of the running total released so far minus the fee already taken, so small
/// milestones cannot add up to a fee-free deal. Refunds carry no fee. Every payout divides exactly what is owed, with no dust:
/// fee + paid to payee + paid back to payer == amount. Fees accrue per token inside the escrow and are paid
/// to the fee collector by `claimFees`. For every token: the escrow's balance == the sum of the unreleased
/// amounts of deals not final + the fees not yet claimed (tokens sent to the escrow outside a deal are
/// not tracked and cannot be recovered).
///
/// Tokens: a deal is paid in a settlement token that governance listed (`isSettlementToken`), so a buyer
/// cannot pay with a worthless look-alike that prints the same symbol.
///
/// Hashlock and dispute: before the deadline the secret always wins, also against a dispute, so the two
/// legs of a swap stay atomic whatever an arbiter does: the payer of one leg who took the other leg with
/// the secret cannot hold its own leg back by disputing it.
///
/// Tenants: opening needs payer and payee to be members of `Active` tenants, and the arbiter, if any, a
/// member of an `Active` tenant holding the Arbiter role, independent of both parties. Nothing that only
/// pays out what a deal owes (release, claim, refund) or protects a party's claim (dispute) looks at tenant
/// status: a suspended tenant starts no new business, but still receives its refunds and releases.
/// Every call honours ERC-2771: members without gas act through the platform forwarder.
interface ITokenEscrow is ITenantRegistryErrors {
    /// @notice Where a deal stands. `Released`, `Refunded` and `Resolved` are final.
    enum DealStatus {
        None,
        Funded,
        Disputed,
        Released,
        Refunded,
        Resolved
    }

    /// @notice The hash function of a hashlock: keccak256 (EVM native) or sha256 (Bitcoin and Lightning
    /// HTLCs use it, so one secret can lock both legs of a cross-chain swap).
    enum HashFunction {
        Keccak256,
        Sha256
    }

    /// @notice The immutable terms of a deal. Their keccak256 (`abi.encode`) is the deal id.
    /// @param payer the buyer: funds the deal, releases it; must be the caller of `open`
    /// @param payee the seller: receives what is released
    /// @param arbiter who resolves a dispute; zero for a deal without arbitration
    /// @param token the ERC-20 paid (a settlement token such as tHKD)
    /// @param amount the total locked, in the token's base units
    /// @param deadline unix time: the payee may claim and either party may dispute up to and including it;
    /// after it anyone may refund what was not released
    /// @param feeBps the platform fee in basis points, as quoted when the deal opened (must equal `feeBps()`)
    /// @param hashFunction the hash of the hashlock (ignored without one; must then be `Keccak256`)
    /// @param hashlock the hash of a 32-byte secret that lets the payee claim; zero for none
    /// @param milestones `milestonesCommitment(amounts)` of the milestone amounts; zero for none
    /// @param ref hash of the invoice or purchase order, kept off chain
    /// @param salt any number the payer picks to tell apart deals whose other terms are equal
    struct DealTerms {
        address payer;
        address payee;
        address arbiter;
        IERC20 token;
        uint128 amount;
        uint64 deadline;
        uint16 feeBps;
        HashFunction hashFunction;
        bytes32 hashlock;
        bytes32 milestones;
        bytes32 ref;
        uint64 salt;
    }

    /// @notice What changes in a deal: its whole on-chain record, one storage slot.
    /// @param status where the deal stands
    /// @param milestonesReleased how many milestones the payer has released
    /// @param released the amount released to the payee so far, fees included
    struct Deal {
        DealStatus status;
        uint8 milestonesReleased;
        uint128 released;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The caller is not the deal's payer.
    error EscrowNotPayer(address caller, address payer);
    /// @notice The caller is neither the payer nor the payee of the deal.
    error EscrowNotParty(address caller, bytes32 dealId);
    /// @notice The caller is not the deal's arbiter.
    error EscrowNotArbiter(address caller, address arbiter);
    /// @notice The payee is the zero address or the payer itself.
    error EscrowInvalidPayee(address payee);
    /// @notice The amount is zero.
    error EscrowZeroAmount();
    /// @notice The deadline is not in the future.
    error EscrowDeadlineInPast(uint64 deadline, uint256 timestamp);
    /// @notice The terms quote a fee other than the current one (it changed since the payer looked).
    error EscrowFeeMismatch(uint16 currentBps, uint16 termsBps);
    /// @notice The arbiter is the payer or the payee.
    error EscrowInvalidArbiter(address arbiter);
    /// @notice The arbiter acts for the same tenant as the payer or the payee.
    error EscrowArbiterConflict(address arbiter, bytes32 tenantId);
    /// @notice The deadline is further away than `MAX_DEAL_DURATION`.
    error EscrowDeadlineTooFar(uint64 deadline, uint256 latest);
    /// @notice The arbitration period is longer than `MAX_ARBITRATION_PERIOD`.
    error EscrowInvalidArbitrationPeriod(uint256 period, uint256 max);
    /// @notice The token is not a listed settlement token.
    error EscrowTokenNotListed(address token);
    /// @notice A hash function other than the default is named without a hashlock.
    error EscrowInvalidHashlock(bytes32 hashlock, HashFunction hashFunction);
    /// @notice More milestones than `MAX_MILESTONES`.
    error EscrowTooManyMilestones(uint256 count, uint256 max);
    /// @notice A milestone amount is zero.
    error EscrowZeroMilestone(uint256 index);
    /// @notice The milestone amounts do not add up to the deal's amount.
    error EscrowMilestoneSumMismatch(uint256 sum, uint256 amount);
    /// @notice The milestone amounts given do not match the commitment in the terms.
    error EscrowMilestonesMismatch(bytes32 commitment, bytes32 computed);
    /// @notice The deal has no milestones.
    error EscrowNoMilestones(bytes32 dealId);
    /// @notice A deal with these terms was opened before (pick another salt).
    error EscrowDealExists(bytes32 dealId);
    /// @notice No deal was opened with these terms.
    error EscrowUnknownDeal(bytes32 dealId);
    /// @notice The escrow received another amount than it pulled (a fee-on-transfer or rebasing token).
    error EscrowFundingMismatch(address token, uint256 expected, uint256 received);
    /// @notice The permit failed and the escrow's allowance does not cover the amount.
    error EscrowPermitFailed(address token, address owner, uint256 allowance);
    /// @notice The deal's status does not allow the action.
    error EscrowInvalidStatus(bytes32 dealId, DealStatus status);
    /// @notice The action had to happen by the deadline.
    error EscrowDeadlinePassed(bytes32 dealId, uint64 deadline);
    /// @notice The deal cannot be refunded by this caller before `refundableAt`.
    error EscrowNotRefundable(bytes32 dealId, uint256 refundableAt);
    /// @notice The deal names no arbiter, so it cannot be disputed.
    error EscrowNoArbiter(bytes32 dealId);
    /// @notice The deal has no hashlock, so it cannot be claimed with a secret.
    error EscrowNoHashlock(bytes32 dealId);
    /// @notice The secret does not hash to the hashlock; `hash` is what it hashes to.
    error EscrowSecretMismatch(bytes32 dealId, bytes32 hash);
    /// @notice The payee's share of a split is above 10,000 basis points.
    error EscrowInvalidSplit(uint256 payeeBps);
    /// @notice The fee is above `MAX_FEE_BPS`.
    error EscrowFeeTooHigh(uint256 feeBps, uint256 max);
    /// @notice The fee collector is the zero address.
    error EscrowZeroFeeCollector();
    /// @notice No fees of this token are waiting to be claimed.
    error EscrowNoFees(address token);

    // ---------------------------------------------------------------- events

    /// @notice A deal was opened and funded: it is `Funded`. Carries the terms, so the deal can be rebuilt
    /// from events; `payerTenant` and `payeeTenant` let a tenant list its deals with a log query.
    event DealOpened(bytes32 indexed dealId, bytes32 indexed payerTenant, bytes32 indexed payeeTenant, DealTerms terms);
    /// @notice The milestone amounts of a deal that has milestones, emitted with `DealOpened`.
    event MilestonesScheduled(bytes32 indexed dealId, uint128[] amounts);
    /// @notice Milestone `index` was released: `amount` left the escrow, `fee` of it to the platform.
    /// `remaining` is what the deal still holds; zero means the deal is `Released`.
    event MilestoneReleased(
        bytes32 indexed dealId,
        address indexed payee,
        uint256 index,
        uint256 amount,
        uint256 fee,
        uint256 remaining
    );
    /// @notice The payer released all that remained: the deal is `Released`.
    event DealReleased(bytes32 indexed dealId, address indexed payee, uint256 amount, uint256 fee);
    /// @notice The secret was revealed and all that remained paid to the payee: the deal is `Released`.
    event DealClaimed(bytes32 indexed dealId, address indexed payee, bytes32 secret, uint256 amount, uint256 fee);
    /// @notice All that remained went back to the payer, at the request of `by`: the deal is `Refunded`.
    event DealRefunded(bytes32 indexed dealId, address indexed payer, uint256 amount, address indexed by);
    /// @notice A party disputed the deal: it is `Disputed` until the arbiter resolves it.
    event DealDisputed(bytes32 indexed dealId, address indexed by);
    /// @notice The arbiter split what remained: `payeeAmount` to the payee (after `fee`), `payerAmount` back
    /// to the payer. The deal is `Resolved`.
    event DealResolved(
        bytes32 indexed dealId,
        address indexed arbiter,
        uint256 payeeBps,
        uint256 payeeAmount,
        uint256 payerAmount,
        uint256 fee
    );
    /// @notice Accrued fees of `token` were paid to the fee collector.
    event FeesClaimed(address indexed token, address indexed collector, uint256 amount);
    /// @notice The fee for new deals changed.
    event FeeBpsChanged(uint16 previousBps, uint16 feeBps);
    /// @notice Governance listed or delisted a settlement token (open deals in it settle either way).
    event SettlementTokenListed(address indexed token, bool listed);
    /// @notice The fee collector changed.
    event FeeCollectorChanged(address indexed previousCollector, address indexed collector);

    // ---------------------------------------------------------------- deals

    /// @notice Opens a deal and funds it in the same call with `transferFrom` (the payer approved the escrow).
    /// @param terms the deal's terms; `terms.payer` is the caller
    /// @param milestoneAmounts the milestone amounts, matching `terms.milestones`; empty for none
    /// @return dealId the deal's id, `dealId(terms)`
    /// @dev Requirements, in the order they are checked:
    /// - the caller (`_msgSender()`) is `terms.payer`, else `EscrowNotPayer`;
    /// - the payee is neither zero nor the payer, else `EscrowInvalidPayee`;
    /// - the amount is not zero, else `EscrowZeroAmount`;
    /// - the deadline is after the current block's time, else `EscrowDeadlineInPast`, and at most
    ///   `MAX_DEAL_DURATION` away, else `EscrowDeadlineTooFar`;
    /// - the token is a listed settlement token, else `EscrowTokenNotListed`;
    /// - `terms.feeBps` is the current `feeBps()`, else `EscrowFeeMismatch`;
    /// - a hash function other than keccak256 comes with a hashlock, else `EscrowInvalidHashlock`;
    /// - the milestones, if any, are at most `MAX_MILESTONES` (`EscrowTooManyMilestones`), none is zero
    ///   (`EscrowZeroMilestone`), they add up to the amount (`EscrowMilestoneSumMismatch`), and their
    ///   commitment is `terms.milestones` (`EscrowMilestonesMismatch`);
    /// - no deal was opened with these terms, else `EscrowDealExists`;
    /// - payer and payee are members of `Active` tenants, else the registry's `RegistryNotMember` or
    ///   `RegistryTenantNotActive`;
    /// - the arbiter, if any, is neither party (`EscrowInvalidArbiter`), a member of an `Active` tenant
    ///   holding the Arbiter role (the registry's errors), and that tenant is neither party's
    ///   (`EscrowArbiterConflict`);
    /// - the escrow receives exactly `amount`, else `EscrowFundingMismatch` (or the token's own error).
    function open(DealTerms calldata terms, uint128[] calldata milestoneAmounts) external returns (bytes32 dealId);

    /// @notice Opens a deal funded through an EIP-2612 permit signed by the payer for the escrow and exactly
    /// `terms.amount`: one transaction for a payer who never approved the escrow.
    /// @dev Same requirements as `open`. A permit that fails (for instance because someone submitted it
    /// first) is ignored when the allowance already covers the amount, so front-running the permit cannot
    /// make the open fail; otherwise `EscrowPermitFailed`.
    function openWithPermit(
        DealTerms calldata terms,
        uint128[] calldata milestoneAmounts,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 dealId);

    /// @notice The payer releases all that the deal still holds to the payee (less the fee): it is
    /// `Released`. Also ends a dispute in the payee's favour.
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); the caller is the payer
    /// (`EscrowNotPayer`); the deal is `Funded` or `Disputed` (`EscrowInvalidStatus`).
    function release(DealTerms calldata terms) external;

    /// @notice The payer releases the next milestone to the payee (less the fee). Releasing the last one
    /// makes the deal `Released`.
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); the caller is the payer
    /// (`EscrowNotPayer`); the deal is `Funded` (`EscrowInvalidStatus`); it has milestones
    /// (`EscrowNoMilestones`) and `milestoneAmounts` matches them (`EscrowMilestonesMismatch`).
    function releaseMilestone(DealTerms calldata terms, uint128[] calldata milestoneAmounts) external;

    /// @notice Pays all that the deal still holds to the payee (less the fee) against the hashlock's secret:
    /// delivery versus payment. Anyone may submit the secret (the payee, its relayer, the counterparty of a
    /// swap); the money only ever goes to the payee. The secret is published in `DealClaimed`.
    /// The secret wins over a dispute before the deadline (see the contract notes).
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); it has a hashlock (`EscrowNoHashlock`);
    /// it is `Funded` or `Disputed` (`EscrowInvalidStatus`); the deadline has not passed (`EscrowDeadlinePassed`); the
    /// secret hashes to the hashlock (`EscrowSecretMismatch`).
    function claim(DealTerms calldata terms, bytes32 secret) external;

    /// @notice Returns all that the deal still holds to the payer, without fee: it is `Refunded`.
    /// The payee may refund at any time before the deal is final. Anyone else may refund a `Funded` deal
    /// once its deadline has passed, and a `Disputed` deal once `arbitrationPeriod()` more has passed
    /// without the arbiter resolving it, so that no deal holds its money forever.
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); it is `Funded` or `Disputed`
    /// (`EscrowInvalidStatus`); the caller is the payee or the time above has come (`EscrowNotRefundable`).
    function refund(DealTerms calldata terms) external;

    /// @notice The payer or the payee disputes the deal: it is `Disputed`, which stops the deadline refund
    /// (not the hashlock claim before the deadline) until the arbiter resolves it (or `arbitrationPeriod()` after the deadline).
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); the caller is the payer or the payee
    /// (`EscrowNotParty`); the deal names an arbiter (`EscrowNoArbiter`); it is `Funded`
    /// (`EscrowInvalidStatus`); the deadline has not passed (`EscrowDeadlinePassed`).
    function dispute(DealTerms calldata terms) external;

    /// @notice The arbiter splits what the deal still holds: `payeeBps` of it to the payee (rounded down, less
    /// the fee), the rest back to the payer. The deal is `Resolved`.
    /// @dev Requirements: the deal exists (`EscrowUnknownDeal`); the caller is the arbiter
    /// (`EscrowNotArbiter`); the deal is `Disputed` (`EscrowInvalidStatus`); `payeeBps` is at most 10,000
    /// (`EscrowInvalidSplit`); the arbiter is still a member of an `Active` tenant holding the Arbiter role
    /// (the registry's errors) that is neither party's current tenant (`EscrowArbiterConflict`).
    function resolve(DealTerms calldata terms, uint16 payeeBps) external;

    // ---------------------------------------------------------------- fees

    /// @notice Pays the accrued fees of `token` to the fee collector. Anyone may trigger it: the recipient
    /// is fixed, so a cold-wallet collector needs no transaction of its own. One base unit stays accrued,
    /// which keeps the counter's storage slot non-zero and spares the next release a 17,100-gas
    /// zero-to-non-zero write.
    /// @dev Requirements: more than one base unit accrued, else `EscrowNoFees`.
    /// @return amount what was paid to the collector
    function claimFees(IERC20 token) external returns (uint256 amount);

    /// @notice Sets the fee of deals opened from now on (open deals keep the fee in their terms).
    /// @dev Requirements: caller holds `FEE_MANAGER_ROLE`; at most `MAX_FEE_BPS` (`EscrowFeeTooHigh`).
    function setFeeBps(uint16 feeBps) external;

    /// @notice Lists or delists a settlement token for new deals.
    /// @dev Requirements: caller holds `DEFAULT_ADMIN_ROLE`; the token is not zero (`EscrowTokenNotListed`).
    function setSettlementToken(IERC20 token, bool listed) external;

    /// @notice Sets the account that receives claimed fees.
    /// @dev Requirements: caller holds `FEE_MANAGER_ROLE`; not zero (`EscrowZeroFeeCollector`).
    function setFeeCollector(address collector) external;

    // ---------------------------------------------------------------- views

    /// @notice The highest fee the fee manager can set, in basis points (10%).
    function MAX_FEE_BPS() external view returns (uint16);

    /// @notice The furthest a deal's deadline can be from its opening (365 days).
    function MAX_DEAL_DURATION() external view returns (uint256);

    /// @notice The longest arbitration period the escrow can be deployed with (90 days).
    function MAX_ARBITRATION_PERIOD() external view returns (uint256);

    /// @notice Whether new deals may be paid in `token`.
    function isSettlementToken(IERC20 token) external view returns (bool);

    /// @notice The most milestones a deal can have: it bounds the calldata and the loop that checks them.
    function MAX_MILESTONES() external view returns (uint256);

    /// @notice The id of a deal with these terms: `keccak256(abi.encode(terms))`.
    function dealId(DealTerms calldata terms) external pure returns (bytes32);

    /// @notice The commitment to milestone amounts kept in `DealTerms.milestones`:
    /// `keccak256(abi.encodePacked(amounts))`, the hash of the amounts as consecutive 32-byte words.
    function milestonesCommitment(uint128[] calldata amounts) external pure returns (bytes32);

    /// @notice The mutable record of a deal (status `None` for an unknown id).
    function getDeal(bytes32 dealId) external view returns (Deal memory);

    /// @notice Fees of `token` accrued and not yet claimed.
    function accruedFees(IERC20 token) external view returns (uint256);

    /// @notice The fee of deals opened now, in basis points.
    function feeBps() external view returns (uint16);

    /// @notice The account that receives claimed fees.
    function feeCollector() external view returns (address);

    /// @notice Seconds after a disputed deal's deadline at which, unresolved, anyone may refund it.
    function arbitrationPeriod() external view returns (uint256);

    /// @notice The tenant registry consulted on opening and resolving.
    function registry() external view returns (address);

    /// @notice The block the escrow was deployed in: where log queries for its deals start.
    function deploymentBlock() external view returns (uint256);
}
