// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title PlatformForwarder
/// @notice The ERC-2771 forwarder every business contract trusts, so members without native gas act
/// through the meta-transaction relayer. OpenZeppelin's forwarder as is: signature, nonce and deadline
/// checks, and the call reverting when the target does not trust this forwarder.
contract PlatformForwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("PlatformForwarder") {}
}
