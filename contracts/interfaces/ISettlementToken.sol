// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title A fiat-backed settlement token (e.g. tokenized HKD or PHP) issued by a regulated issuer.
/// @notice ERC-20 with EIP-2612 permit; the issuer mints against fiat received and burns on redemption,
/// and can pause all transfers in an incident.
interface ISettlementToken is IERC20Metadata, IERC20Permit {
    /// @notice The ISO 4217 code of the currency the token stands for (e.g. "HKD").
    function currency() external view returns (string memory);

    /// @notice Mints `amount` to `to` against fiat the issuer holds. Caller needs `ISSUER_ROLE`.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's own tokens on redemption. Caller needs `ISSUER_ROLE`.
    function burn(uint256 amount) external;

    /// @notice Stops every transfer, mint and burn. Caller needs `PAUSER_ROLE`.
    function pause() external;

    /// @notice Resumes transfers. Caller needs `PAUSER_ROLE`.
    function unpause() external;
}
