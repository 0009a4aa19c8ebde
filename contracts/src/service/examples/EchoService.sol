// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityService} from "../VerityService.sol";

/// @title EchoService
/// @notice Example service whose one method returns its input (program: programs/examples/echo).
contract EchoService is VerityService {
    /// @param owner_ sets methods and prices; the other arguments are those of VerityService
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) VerityService(owner_, arbitration_, registry_, minStake_, unbondingDelay_, requestTimeout_) {}

    /// @notice Returns `data` unchanged. On chain this records a request; the result arrives with ResponsePosted.
    function echo(bytes calldata data) external payable returns (bytes memory result) {
        data;
        _request();
        return result;
    }
}
