// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRemittanceSettlement} from "../../contracts/interfaces/IRemittanceSettlement.sol";
import {RemittanceSettlement} from "../../contracts/remittance/RemittanceSettlement.sol";
import {TenantRegistry} from "../../contracts/tenants/TenantRegistry.sol";
import {TenantRoles} from "../../contracts/tenants/TenantRoles.sol";
import {SettlementToken} from "../../contracts/tokens/SettlementToken.sol";
import {Tenants} from "./utils/Tenants.sol";
import {Test} from "./utils/Test.sol";

/// @dev The platform a remittance test starts from, built in Solidity: registry, tokens (minted by the
/// test itself), the settlement contract, three payment operators and two liquidity providers whose
/// quote keys are known, and the HKD -> PHP corridor through the first bank. No test lives here.
abstract contract RemittanceBase is Test {
    bytes32 internal constant HK = "hk-wallet";
    bytes32 internal constant PH = "ph-wallet";
    bytes32 internal constant SG = "sg-wallet";
    bytes32 internal constant BANK = "settlement-bank";
    bytes32 internal constant OTHER_BANK = "other-bank";
    bytes32 internal constant HKD_PHP = "HKD-PHP";

    uint96 internal constant MIN = 10_00;
    uint96 internal constant MAX = 50_000_00;
    uint96 internal constant DAILY_CAP = 100_000_00;
    uint88 internal constant FEE_FIXED = 5_00;
    uint16 internal constant FEE_BPS = 50;
    uint32 internal constant WINDOW = 1 hours;
    uint16 internal constant RECEIVER_WINDOW = 10 minutes;

    uint256 internal constant BANK_KEY = 0xB0B;
    uint256 internal constant OTHER_BANK_KEY = 0x07E4;

    TenantRegistry internal registry;
    RemittanceSettlement internal remittance;
    SettlementToken internal hkd;
    SettlementToken internal php;

    address internal governance = makeAddr("governance");
    address internal platformOperator = makeAddr("platform operator");
    address internal feeCollector = makeAddr("fee collector");
    address internal hkOps = makeAddr("hk ops");
    address internal phOps = makeAddr("ph ops");
    address internal sgOps = makeAddr("sg ops");
    address internal bankQuoter;
    address internal otherQuoter;

    uint256 private _refs;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        bankQuoter = vm.addr(BANK_KEY);
        otherQuoter = vm.addr(OTHER_BANK_KEY);
        registry = new TenantRegistry(governance, 0, address(0));
        vm.startPrank(governance);
        registry.grantRole(registry.OPERATOR_ROLE(), platformOperator);
        vm.stopPrank();
        _onboard(HK, TenantRoles.PAYMENT_OPERATOR, hkOps);
        _onboard(PH, TenantRoles.PAYMENT_OPERATOR, phOps);
        _onboard(SG, TenantRoles.PAYMENT_OPERATOR, sgOps);
        _onboard(BANK, TenantRoles.LIQUIDITY_PROVIDER, bankQuoter);
        _onboard(OTHER_BANK, TenantRoles.LIQUIDITY_PROVIDER, otherQuoter);

        hkd = new SettlementToken("Tokenized Hong Kong Dollar", "tHKD", "HKD", 2, address(this));
        php = new SettlementToken("Tokenized Philippine Peso", "tPHP", "PHP", 2, address(this));
        remittance = new RemittanceSettlement(governance, platformOperator, feeCollector, registry, address(0));
        vm.prank(platformOperator);
        remittance.openCorridor(HKD_PHP, corridor(address(hkd), address(php), BANK));
    }

    function corridor(
        address source,
        address destination,
        bytes32 provider
    ) internal pure returns (IRemittanceSettlement.Corridor memory) {
        return
            IRemittanceSettlement.Corridor({
                sourceToken: source,
                minAmount: MIN,
                destinationToken: destination,
                maxAmount: MAX,
                provider: provider,
                dailyCap: DAILY_CAP,
                feeFixed: FEE_FIXED,
                feeBps: FEE_BPS,
                settlementWindow: WINDOW,
                minReceiverWindow: RECEIVER_WINDOW,
                enabled: true
            });
    }

    /// @dev Mints to `member` and deposits into its tenant's ledger.
    function fund(address member, SettlementToken token, uint256 amount) internal {
        token.mint(member, amount);
        vm.startPrank(member);
        token.approve(address(remittance), amount);
        remittance.deposit(address(token), amount);
        vm.stopPrank();
    }

    function fee(uint256 amount) internal pure returns (uint256) {
        return FEE_FIXED + (amount * FEE_BPS) / 10_000;
    }

    function nextRef() internal returns (bytes32) {
        return keccak256(abi.encode("client-ref", ++_refs));
    }

    /// @dev `initiate` arguments for a quote of the corridor signed with `key`.
    function params(
        bytes32 corridorId,
        bytes32 sender,
        bytes32 receiver,
        uint128 amount,
        uint128 destinationAmount,
        uint256 key
    ) internal returns (IRemittanceSettlement.InitiateParams memory p) {
        p.quote = IRemittanceSettlement.Quote({
            corridorId: corridorId,
            sendingTenant: sender,
            receivingTenant: receiver,
            sourceAmount: amount,
            destinationAmount: destinationAmount,
            fee: uint128(remittance.corridorFee(corridorId, amount)),
            expiry: uint64(block.timestamp + 5 minutes),
            latestDeadline: uint64(block.timestamp + 45 minutes)
        });
        p.clientRef = nextRef();
        p.recipientHash = keccak256(abi.encode("recipient", p.clientRef));
        p.complianceHash = keccak256(abi.encode("travel rule", p.clientRef));
        p.deadline = uint64(block.timestamp + 30 minutes);
        p.funding = IRemittanceSettlement.Funding.Ledger;
        sign(p, key);
    }

    /// @dev Signs the quote of `p` for its client reference (ERC-2098 compact signature).
    function sign(IRemittanceSettlement.InitiateParams memory p, uint256 key) internal view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, remittance.quoteDigest(p.quote, p.clientRef));
        p.signatureR = r;
        p.signatureVS = bytes32((uint256(v - 27) << 255) | uint256(s));
    }

    /// @dev The record `RemittanceInitiated` carries for `p`, initiated now by its quote's sender.
    function recordOf(
        IRemittanceSettlement.InitiateParams memory p
    ) internal view returns (IRemittanceSettlement.Remittance memory) {
        IRemittanceSettlement.Corridor memory c = remittance.getCorridor(p.quote.corridorId);
        return
            IRemittanceSettlement.Remittance({
                id: remittance.remittanceId(p.quote.sendingTenant, p.clientRef),
                sendingTenant: p.quote.sendingTenant,
                receivingTenant: p.quote.receivingTenant,
                provider: c.provider,
                sourceToken: c.sourceToken,
                destinationToken: c.destinationToken,
                sourceAmount: p.quote.sourceAmount,
                destinationAmount: p.quote.destinationAmount,
                fee: p.quote.fee,
                deadline: p.deadline
            });
    }

    function _onboard(bytes32 id, uint16 roles, address admin) private {
        Tenants.onboardActive(registry, platformOperator, id, roles, admin);
    }

    function statusOf(bytes32 id) internal view returns (uint256) {
        return uint256(remittance.statusOf(id));
    }
}
