// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityService} from "../VerityService.sol";

/// @title OracleService
/// @notice Example service: reads a slice of a data-oracle blob (program: programs/examples/oracle).
contract OracleService is VerityService {
    /// @param owner_ sets methods and prices; the other arguments are those of VerityService
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) VerityService(owner_, arbitration_, registry_, minStake_, unbondingDelay_, requestTimeout_) {}

    /// @notice `len` bytes at `offset` of the blob named by `key` (len <= 4096). On chain this records a request;
    ///         the result arrives with ResponsePosted.
    function read(bytes32 key, uint32 offset, uint32 len) external payable returns (bytes memory data) {
        (key, offset, len);
        _request();
        return data;
    }
}
