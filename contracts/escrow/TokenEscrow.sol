// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ITenantRegistryView} from "../interfaces/ITenantRegistry.sol";
import {ITokenEscrow} from "../interfaces/ITokenEscrow.sol";
import {TenantRoles} from "../tenants/TenantRoles.sol";
import {EscrowMath} from "./EscrowMath.sol";

/// @title TokenEscrow
/// @notice Holds SME trade payments in ERC-20 settlement tokens until delivery. See `ITokenEscrow`.
/// @dev Gas shapes the storage: a deal's terms never touch storage (their hash is the deal id and callers
/// pass them back), so opening a deal writes one new slot and releasing it rewrites that slot; fees accrue
/// to a per-token counter instead of costing a third token transfer per release. Access control is
/// `AccessControlDefaultAdminRules`, like the registry's: governance hands over in two delayed steps, and
/// grants `FEE_MANAGER_ROLE` to the keys that set the fee and its collector.
contract TokenEscrow is ITokenEscrow, AccessControlDefaultAdminRules, ERC2771Context, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Sets the fee of new deals and the fee collector.
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");

    /// @inheritdoc ITokenEscrow
    uint16 public constant MAX_FEE_BPS = 1_000;

    /// @inheritdoc ITokenEscrow
    uint256 public constant MAX_MILESTONES = 16;

    /// @inheritdoc ITokenEscrow
    uint256 public constant MAX_DEAL_DURATION = 365 days;

    /// @inheritdoc ITokenEscrow
    uint256 public constant MAX_ARBITRATION_PERIOD = 90 days;

    ITenantRegistryView private immutable _registry;
    uint256 private immutable _arbitrationPeriod;
    uint256 private immutable _deploymentBlock;

    // One slot: opening a deal reads the fee with a single cold storage read.
    address private _feeCollector;
    uint16 private _feeBps;

    mapping(bytes32 dealId => Deal) private _deals;
    mapping(IERC20 token => uint256 amount) private _fees;
    mapping(IERC20 token => bool listed) private _settlementTokens;

    /// @param admin the platform governance account (`DEFAULT_ADMIN_ROLE`)
    /// @param adminTransferDelay seconds a handover of `DEFAULT_ADMIN_ROLE` must wait
    /// @param registry_ the tenant registry
    /// @param trustedForwarder the ERC-2771 forwarder members use to act without gas
    /// @param feeManager the account given `FEE_MANAGER_ROLE`
    /// @param feeCollector_ the account claimed fees are paid to
    /// @param feeBps_ the fee of new deals, in basis points
    /// @param arbitrationPeriod_ seconds after a disputed deal's deadline at which, unresolved, anyone may
    /// refund it, at most `MAX_ARBITRATION_PERIOD`
    /// @param settlementTokens the tokens listed for new deals from the start
    constructor(
        address admin,
        uint48 adminTransferDelay,
        ITenantRegistryView registry_,
        address trustedForwarder,
        address feeManager,
        address feeCollector_,
        uint16 feeBps_,
        uint64 arbitrationPeriod_,
        IERC20[] memory settlementTokens
    ) AccessControlDefaultAdminRules(adminTransferDelay, admin) ERC2771Context(trustedForwarder) {
        if (arbitrationPeriod_ > MAX_ARBITRATION_PERIOD) {
            revert EscrowInvalidArbitrationPeriod(arbitrationPeriod_, MAX_ARBITRATION_PERIOD);
        }
        _registry = registry_;
        _arbitrationPeriod = arbitrationPeriod_;
        _deploymentBlock = block.number;
        _grantRole(FEE_MANAGER_ROLE, feeManager);
        _setFeeBps(feeBps_);
        _setFeeCollector(feeCollector_);
        // Bounded by the deployer's own list: a constructor argument, not user-growable state.
        for (uint256 i; i < settlementTokens.length; ++i) {
            _setSettlementToken(settlementTokens[i], true);
        }
    }

    // ------------------------------------------------------------------ opening

    /// @inheritdoc ITokenEscrow
    function open(
        DealTerms calldata terms,
        uint128[] calldata milestoneAmounts
    ) external nonReentrant returns (bytes32 id) {
        bytes32 payerTenant;
        bytes32 payeeTenant;
        (id, payerTenant, payeeTenant) = _checkOpen(terms, milestoneAmounts);
        _fund(id, terms, milestoneAmounts, payerTenant, payeeTenant);
    }

    /// @inheritdoc ITokenEscrow
    function openWithPermit(
        DealTerms calldata terms,
        uint128[] calldata milestoneAmounts,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (bytes32 id) {
        bytes32 payerTenant;
        bytes32 payeeTenant;
        (id, payerTenant, payeeTenant) = _checkOpen(terms, milestoneAmounts);
        _permit(terms, permitDeadline, v, r, s);
        _fund(id, terms, milestoneAmounts, payerTenant, payeeTenant);
    }

    // ------------------------------------------------------------------ settling

    /// @inheritdoc ITokenEscrow
    function release(DealTerms calldata terms) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        _requirePayer(terms);
        DealStatus status = deal.status;
        if (status != DealStatus.Funded && status != DealStatus.Disputed) revert EscrowInvalidStatus(id, status);

        uint256 released = deal.released;
        uint256 amount = terms.amount - released;
        deal.status = DealStatus.Released;
        deal.released = terms.amount;
        uint256 fee = _accrueFee(terms, released, amount);
        emit DealReleased(id, terms.payee, amount, fee);
        terms.token.safeTransfer(terms.payee, amount - fee);
    }

    /// @inheritdoc ITokenEscrow
    function releaseMilestone(DealTerms calldata terms, uint128[] calldata milestoneAmounts) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        _requirePayer(terms);
        if (deal.status != DealStatus.Funded) revert EscrowInvalidStatus(id, deal.status);
        if (terms.milestones == bytes32(0)) revert EscrowNoMilestones(id);
        bytes32 computed = EscrowMath.milestonesCommitment(milestoneAmounts);
        if (computed != terms.milestones) revert EscrowMilestonesMismatch(terms.milestones, computed);

        // While a deal with milestones is `Funded`, at least one milestone is unreleased (releasing the last
        // one makes it `Released`), so `index` is in range; `index + 1` is at most 16 and fits a uint8, and
        // `released` is at most `amount`, below 2**128, because the milestones add up to it.
        uint256 index = deal.milestonesReleased;
        uint256 amount = milestoneAmounts[index];
        uint256 before = deal.released;
        uint256 released = before + amount;
        uint256 remaining = terms.amount - released;
        deal.milestonesReleased = uint8(index + 1);
        deal.released = uint128(released);
        if (remaining == 0) deal.status = DealStatus.Released;
        uint256 fee = _accrueFee(terms, before, amount);
        emit MilestoneReleased(id, terms.payee, index, amount, fee, remaining);
        terms.token.safeTransfer(terms.payee, amount - fee);
    }

    /// @inheritdoc ITokenEscrow
    function claim(DealTerms calldata terms, bytes32 secret) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        if (terms.hashlock == bytes32(0)) revert EscrowNoHashlock(id);
        // The secret wins over a dispute: the other leg of a swap may already have been taken with it.
        DealStatus status = deal.status;
        if (status != DealStatus.Funded && status != DealStatus.Disputed) revert EscrowInvalidStatus(id, status);
        if (block.timestamp > terms.deadline) revert EscrowDeadlinePassed(id, terms.deadline);
        bytes32 hash =
            terms.hashFunction == HashFunction.Sha256
                ? sha256(abi.encodePacked(secret))
                : keccak256(abi.encodePacked(secret));
        if (hash != terms.hashlock) revert EscrowSecretMismatch(id, hash);

        uint256 released = deal.released;
        uint256 amount = terms.amount - released;
        deal.status = DealStatus.Released;
        deal.released = terms.amount;
        uint256 fee = _accrueFee(terms, released, amount);
        emit DealClaimed(id, terms.payee, secret, amount, fee);
        terms.token.safeTransfer(terms.payee, amount - fee);
    }

    /// @inheritdoc ITokenEscrow
    function refund(DealTerms calldata terms) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        DealStatus status = deal.status;
        if (status != DealStatus.Funded && status != DealStatus.Disputed) revert EscrowInvalidStatus(id, status);
        address caller = _msgSender();
        if (caller != terms.payee) {
            // A dispute holds the money for the arbiter, for at most `_arbitrationPeriod` past the deadline.
            uint256 refundableAt =
                status == DealStatus.Funded
                    ? uint256(terms.deadline) + 1
                    : uint256(terms.deadline) + _arbitrationPeriod + 1;
            if (block.timestamp < refundableAt) revert EscrowNotRefundable(id, refundableAt);
        }

        uint256 amount = terms.amount - deal.released;
        deal.status = DealStatus.Refunded;
        emit DealRefunded(id, terms.payer, amount, caller);
        terms.token.safeTransfer(terms.payer, amount);
    }

    /// @inheritdoc ITokenEscrow
    function dispute(DealTerms calldata terms) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        address caller = _msgSender();
        if (caller != terms.payer && caller != terms.payee) revert EscrowNotParty(caller, id);
        if (terms.arbiter == address(0)) revert EscrowNoArbiter(id);
        if (deal.status != DealStatus.Funded) revert EscrowInvalidStatus(id, deal.status);
        if (block.timestamp > terms.deadline) revert EscrowDeadlinePassed(id, terms.deadline);

        deal.status = DealStatus.Disputed;
        emit DealDisputed(id, caller);
    }

    /// @inheritdoc ITokenEscrow
    function resolve(DealTerms calldata terms, uint16 payeeBps) external nonReentrant {
        (bytes32 id, Deal storage deal) = _existingDeal(terms);
        address caller = _msgSender();
        if (caller != terms.arbiter) revert EscrowNotArbiter(caller, terms.arbiter);
        if (deal.status != DealStatus.Disputed) revert EscrowInvalidStatus(id, deal.status);
        if (payeeBps > EscrowMath.BPS) revert EscrowInvalidSplit(payeeBps);
        // Memberships may have changed since the deal opened: the arbiter must still be independent.
        bytes32 arbiterTenant = _registry.requireActiveMember(caller, TenantRoles.ARBITER);
        if (arbiterTenant == _registry.tenantOf(terms.payer) || arbiterTenant == _registry.tenantOf(terms.payee)) {
            revert EscrowArbiterConflict(caller, arbiterTenant);
        }

        uint256 released = deal.released;
        (uint256 toPayee, uint256 toPayer, uint256 fee) = EscrowMath.split(
            terms.amount - released,
            released,
            payeeBps,
            terms.feeBps
        );
        deal.status = DealStatus.Resolved;
        // `toPayee + fee <= remaining`, so `released` stays at most `amount`, below 2**128.
        deal.released += uint128(toPayee + fee);
        if (fee != 0) _fees[terms.token] += fee;
        emit DealResolved(id, caller, payeeBps, toPayee, toPayer, fee);
        if (toPayee != 0) terms.token.safeTransfer(terms.payee, toPayee);
        if (toPayer != 0) terms.token.safeTransfer(terms.payer, toPayer);
    }

    // ------------------------------------------------------------------ fees

    /// @inheritdoc ITokenEscrow
    function claimFees(IERC20 token) external nonReentrant returns (uint256 amount) {
        uint256 accrued = _fees[token];
        if (accrued <= 1) revert EscrowNoFees(address(token));
        unchecked {
            // accrued > 1
            amount = accrued - 1;
        }
        _fees[token] = 1;
        address collector = _feeCollector;
        emit FeesClaimed(address(token), collector, amount);
        token.safeTransfer(collector, amount);
    }

    /// @inheritdoc ITokenEscrow
    function setFeeBps(uint16 feeBps_) external onlyRole(FEE_MANAGER_ROLE) {
        _setFeeBps(feeBps_);
    }

    /// @inheritdoc ITokenEscrow
    function setFeeCollector(address collector) external onlyRole(FEE_MANAGER_ROLE) {
        _setFeeCollector(collector);
    }

    /// @inheritdoc ITokenEscrow
    function setSettlementToken(IERC20 token, bool listed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setSettlementToken(token, listed);
    }

    /// @inheritdoc ITokenEscrow
    function isSettlementToken(IERC20 token) external view returns (bool) {
        return _settlementTokens[token];
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ITokenEscrow
    function dealId(DealTerms calldata terms) external pure returns (bytes32) {
        return EscrowMath.dealId(terms);
    }

    /// @inheritdoc ITokenEscrow
    function milestonesCommitment(uint128[] calldata amounts) external pure returns (bytes32) {
        return EscrowMath.milestonesCommitment(amounts);
    }

    /// @inheritdoc ITokenEscrow
    function getDeal(bytes32 id) external view returns (Deal memory) {
        return _deals[id];
    }

    /// @inheritdoc ITokenEscrow
    function accruedFees(IERC20 token) external view returns (uint256) {
        return _fees[token];
    }

    /// @inheritdoc ITokenEscrow
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    /// @inheritdoc ITokenEscrow
    function feeCollector() external view returns (address) {
        return _feeCollector;
    }

    /// @inheritdoc ITokenEscrow
    function arbitrationPeriod() external view returns (uint256) {
        return _arbitrationPeriod;
    }

    /// @inheritdoc ITokenEscrow
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ITokenEscrow
    function deploymentBlock() external view returns (uint256) {
        return _deploymentBlock;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Every rule of `open` that does not move tokens; returns the deal id and the parties' tenants.
    function _checkOpen(
        DealTerms calldata terms,
        uint128[] calldata milestoneAmounts
    ) private view returns (bytes32 id, bytes32 payerTenant, bytes32 payeeTenant) {
        address payer = _requirePayer(terms);
        address payee = terms.payee;
        if (payee == address(0) || payee == payer) revert EscrowInvalidPayee(payee);
        if (terms.amount == 0) revert EscrowZeroAmount();
        if (terms.deadline <= block.timestamp) revert EscrowDeadlineInPast(terms.deadline, block.timestamp);
        if (terms.deadline > block.timestamp + MAX_DEAL_DURATION) {
            revert EscrowDeadlineTooFar(terms.deadline, block.timestamp + MAX_DEAL_DURATION);
        }
        if (!_settlementTokens[terms.token]) revert EscrowTokenNotListed(address(terms.token));
        uint16 currentFee = _feeBps;
        if (terms.feeBps != currentFee) revert EscrowFeeMismatch(currentFee, terms.feeBps);
        if (terms.hashlock == bytes32(0) && terms.hashFunction != HashFunction.Keccak256) {
            revert EscrowInvalidHashlock(terms.hashlock, terms.hashFunction);
        }
        _checkMilestones(terms, milestoneAmounts);
        id = EscrowMath.dealId(terms);
        if (_deals[id].status != DealStatus.None) revert EscrowDealExists(id);

        payerTenant = _registry.requireActiveMember(payer, 0);
        payeeTenant = _registry.requireActiveMember(payee, 0);
        address arbiter = terms.arbiter;
        if (arbiter != address(0)) {
            if (arbiter == payer || arbiter == payee) revert EscrowInvalidArbiter(arbiter);
            bytes32 arbiterTenant = _registry.requireActiveMember(arbiter, TenantRoles.ARBITER);
            if (arbiterTenant == payerTenant || arbiterTenant == payeeTenant) {
                revert EscrowArbiterConflict(arbiter, arbiterTenant);
            }
        }
    }

    function _checkMilestones(DealTerms calldata terms, uint128[] calldata amounts) private pure {
        uint256 count = amounts.length;
        if (count == 0) {
            if (terms.milestones != bytes32(0)) revert EscrowMilestonesMismatch(terms.milestones, bytes32(0));
            return;
        }
        if (count > MAX_MILESTONES) revert EscrowTooManyMilestones(count, MAX_MILESTONES);
        uint256 sum;
        for (uint256 i; i < count; ++i) {
            uint256 amount = amounts[i];
            if (amount == 0) revert EscrowZeroMilestone(i);
            // At most 16 amounts below 2**128 each: the sum stays below 2**132.
            unchecked {
                sum += amount;
            }
        }
        if (sum != terms.amount) revert EscrowMilestoneSumMismatch(sum, terms.amount);
        bytes32 computed = EscrowMath.milestonesCommitment(amounts);
        if (computed != terms.milestones) revert EscrowMilestonesMismatch(terms.milestones, computed);
    }

    /// @dev Tries the permit; a failure is harmless when the allowance is there anyway (someone may have
    /// submitted the same permit first: OpenZeppelin's advice against permit griefing).
    function _permit(DealTerms calldata terms, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s) private {
        address token = address(terms.token);
        try IERC20Permit(token).permit(terms.payer, address(this), terms.amount, permitDeadline, v, r, s) {
            // the allowance is set
        } catch {
            uint256 allowance = terms.token.allowance(terms.payer, address(this));
            if (allowance < terms.amount) revert EscrowPermitFailed(token, terms.payer, allowance);
        }
    }

    /// @dev Records the deal, pulls the amount and checks that all of it arrived.
    function _fund(
        bytes32 id,
        DealTerms calldata terms,
        uint128[] calldata milestoneAmounts,
        bytes32 payerTenant,
        bytes32 payeeTenant
    ) private {
        _deals[id].status = DealStatus.Funded;
        // Encoding the terms for the log validates every field (the call reverts on a non-canonical word), so
        // ids only come from canonical encodings and a later call passing another finds no deal.
        emit DealOpened(id, payerTenant, payeeTenant, terms);
        if (milestoneAmounts.length != 0) emit MilestonesScheduled(id, milestoneAmounts);

        IERC20 token = terms.token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(terms.payer, address(this), terms.amount);
        uint256 afterwards = token.balanceOf(address(this));
        if (afterwards < before || afterwards - before != terms.amount) {
            revert EscrowFundingMismatch(address(token), terms.amount, afterwards < before ? 0 : afterwards - before);
        }
    }

    /// @dev Adds the fee on `part`, paid after `released`, to the token's counter and returns it.
    function _accrueFee(DealTerms calldata terms, uint256 released, uint256 part) private returns (uint256 fee) {
        fee = EscrowMath.feeOfPart(released, part, terms.feeBps);
        if (fee != 0) _fees[terms.token] += fee;
    }

    function _existingDeal(DealTerms calldata terms) private view returns (bytes32 id, Deal storage deal) {
        id = EscrowMath.dealId(terms);
        deal = _deals[id];
        if (deal.status == DealStatus.None) revert EscrowUnknownDeal(id);
    }

    function _requirePayer(DealTerms calldata terms) private view returns (address caller) {
        caller = _msgSender();
        if (caller != terms.payer) revert EscrowNotPayer(caller, terms.payer);
    }

    function _setFeeBps(uint16 feeBps_) private {
        if (feeBps_ > MAX_FEE_BPS) revert EscrowFeeTooHigh(feeBps_, MAX_FEE_BPS);
        uint16 previous = _feeBps;
        _feeBps = feeBps_;
        emit FeeBpsChanged(previous, feeBps_);
    }

    function _setSettlementToken(IERC20 token, bool listed) private {
        if (address(token) == address(0)) revert EscrowTokenNotListed(address(0));
        _settlementTokens[token] = listed;
        emit SettlementTokenListed(address(token), listed);
    }

    function _setFeeCollector(address collector) private {
        if (collector == address(0)) revert EscrowZeroFeeCollector();
        address previous = _feeCollector;
        _feeCollector = collector;
        emit FeeCollectorChanged(previous, collector);
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
