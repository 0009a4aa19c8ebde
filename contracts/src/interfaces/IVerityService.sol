// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IVerityService
/// @notice The view of a Verity Service that clients, providers and the Arbitration contract rely on.
/// @dev The function list below is a stable interface shared with `Arbitration`; add, never change.
interface IVerityService {
    /// @notice The Arbitration contract: the only address allowed to slash, lock and unlock providers.
    function arbitration() external view returns (address);
    /// @notice Program hash bound to a method selector; 0 if the selector is not a method of this service.
    function programOf(bytes4 selector) external view returns (bytes32 programHash); // 0 if unknown
    /// @notice Price of one call of a method, in wei.
    function priceOf(bytes4 selector) external view returns (uint256 weiPerCall);
    /// @notice The chain id that off-chain transactions to this service carry (never block.chainid, never 0).
    function offchainChainId() external view returns (uint64);
    /// @notice True when the provider is registered, has stake >= minStake, is not exiting and not slashed.
    function isActiveProvider(address provider) external view returns (bool); // registered, stake >= minStake, not exiting, not slashed
    /// @notice True when the provider still has stake that has not been withdrawn (or slashed).
    function isSlashable(address provider) external view returns (bool); // has stake that is not yet withdrawn
    /// @notice Current stake of a provider, in wei.
    function stakeOf(address provider) external view returns (uint256);
    /// Only arbitration: takes the provider's whole stake, sends it to msg.sender, returns the amount.
    function slash(address provider) external returns (uint256 amount);
    /// Only arbitration: a provider with an open dispute cannot withdraw (counter).
    function lockProvider(address provider) external;
    /// @notice Only arbitration: releases one lock taken by `lockProvider`.
    function unlockProvider(address provider) external;
}
