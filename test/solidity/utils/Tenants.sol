// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITenantRegistry} from "../../../contracts/interfaces/ITenantRegistry.sol";
import {TenantRegistry} from "../../../contracts/tenants/TenantRegistry.sol";
import {Vm} from "./Test.sol";

/// @dev The registry fixture every business contract's Solidity tests start from: an active tenant whose
/// first admin member holds all its roles, onboarded and approved by the platform operator.
library Tenants {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function onboardActive(
        TenantRegistry registry,
        address operator,
        bytes32 id,
        uint16 roles,
        address admin
    ) internal {
        vm.startPrank(operator);
        registry.onboard(
            ITenantRegistry.OnboardParams({
                tenantId: id,
                name: "tenant",
                roles: roles,
                jurisdiction: "HK",
                kybHash: keccak256(abi.encode(id)),
                sponsor: bytes32(0),
                admin: admin
            })
        );
        registry.approve(id);
        vm.stopPrank();
    }
}
