// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityService} from "../VerityService.sol";

/// @title KeccakService
/// @notice Example service: Keccak-256 of the input computed by a C program (programs/examples/keccak).
contract KeccakService is VerityService {
    /// @param owner_ sets methods and prices; the other arguments are those of VerityService
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) VerityService(owner_, arbitration_, registry_, minStake_, unbondingDelay_, requestTimeout_) {}

    /// @notice keccak256(data). On chain this records a request; the result arrives with ResponsePosted.
    function hash(bytes calldata data) external payable returns (bytes32 digest) {
        data;
        _request();
        return digest;
    }
}
