// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {ProgramRegistry} from "../../src/ProgramRegistry.sol";
import {VerityService} from "../../src/service/VerityService.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";

/// @notice Drives providers and the arbitration through random lifecycles, keeping ghost totals of every wei.
contract ServiceHandler is Test {
    EchoService public immutable service;
    address public immutable arbitration;
    address[] public actors;
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed;
    /// @notice Set if a provider ever withdrew after being slashed, or left while locked (must stay false).
    bool public slashedWithdrew;
    bool public lockedLeft;
    mapping(address => bool) public everSlashed;
    uint256 public successfulWithdrawals;
    uint256 public successfulSlashes;

    constructor(EchoService service_, address arbitration_) {
        service = service_;
        arbitration = arbitration_;
        for (uint160 i = 1; i <= 4; ++i) {
            actors.push(address(0x1000 * i));
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function register(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        amount = bound(amount, service.minStake(), 10 ether);
        vm.deal(a, amount);
        vm.prank(a);
        try service.register{value: amount}("https://h.example") {
            ghostDeposited += amount;
        } catch {}
    }

    function addStake(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        amount = bound(amount, 1, 10 ether);
        vm.deal(a, amount);
        vm.prank(a);
        try service.addStake{value: amount}() {
            ghostDeposited += amount;
        } catch {}
    }

    function requestExit(uint256 seed) external {
        address a = _actor(seed);
        vm.prank(a);
        try service.requestExit() {} catch {}
    }

    function withdraw(uint256 seed, uint256 wait) external {
        address a = _actor(seed);
        vm.warp(block.timestamp + bound(wait, 0, 2 * uint256(service.unbondingDelay())));
        uint32 locks = service.locksOf(a);
        uint256 before = a.balance;
        vm.prank(a);
        try service.withdraw() {
            ghostWithdrawn += a.balance - before;
            successfulWithdrawals++;
            if (everSlashed[a]) slashedWithdrew = true;
            if (locks != 0) lockedLeft = true;
        } catch {}
    }

    function slash(uint256 seed) external {
        address a = _actor(seed);
        vm.prank(arbitration);
        uint256 got = service.slash(a);
        ghostSlashed += got;
        if (got > 0) {
            everSlashed[a] = true;
            successfulSlashes++;
        }
    }

    function lock(uint256 seed) external {
        vm.prank(arbitration);
        service.lockProvider(_actor(seed));
    }

    function unlock(uint256 seed) external {
        address a = _actor(seed);
        if (service.locksOf(a) == 0) return;
        vm.prank(arbitration);
        service.unlockProvider(a);
    }
}

contract VerityServiceInvariantTest is Test {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    EchoService internal service;
    ServiceHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        ProgramRegistry registry = new ProgramRegistry();
        service = new EchoService(address(this), address(0xA4B), address(registry), 1 ether, 7 days, 1 days);
        handler = new ServiceHandler(service, address(0xA4B));
    }

    function targetContracts() public view returns (address[] memory list) {
        list = new address[](1);
        list[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory list) {
        bytes4[] memory s = new bytes4[](7);
        s[0] = ServiceHandler.register.selector;
        s[1] = ServiceHandler.addStake.selector;
        s[2] = ServiceHandler.requestExit.selector;
        s[3] = ServiceHandler.withdraw.selector;
        s[4] = ServiceHandler.slash.selector;
        s[5] = ServiceHandler.lock.selector;
        s[6] = ServiceHandler.unlock.selector;
        list = new FuzzSelector[](1);
        list[0] = FuzzSelector(address(handler), s);
    }

    function _totalStake() internal view returns (uint256 total) {
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            total += service.stakeOf(handler.actors(i));
        }
    }

    /// @notice staked + withdrawn + slashed == deposited, and the contract holds exactly the stakes.
    function invariant_everyWeiAccounted() public view {
        uint256 staked = _totalStake();
        assertEq(staked + handler.ghostWithdrawn() + handler.ghostSlashed(), handler.ghostDeposited(), "wei accounting");
        assertEq(address(service).balance, staked, "balance == stakes");
    }

    /// @notice A slashed provider never withdraws; a locked provider never leaves.
    function invariant_slashedAndLockedCannotLeave() public view {
        assertTrue(!handler.slashedWithdrew(), "slashed provider withdrew");
        assertTrue(!handler.lockedLeft(), "locked provider withdrew");
    }

    /// @notice Status and stake agree: slashed/withdrawn hold nothing, active holds at least minStake.
    function invariant_statusMatchesStake() public view {
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            address a = handler.actors(i);
            VerityService.ProviderStatus st = service.statusOf(a);
            uint256 stake = service.stakeOf(a);
            if (st == VerityService.ProviderStatus.Slashed || st == VerityService.ProviderStatus.Withdrawn) {
                assertEq(stake, 0, "ended provider holds stake");
            }
            if (st == VerityService.ProviderStatus.Active) assertTrue(stake >= service.minStake(), "under-staked");
            assertTrue(service.isActiveProvider(a) == (st == VerityService.ProviderStatus.Active), "isActive");
            if (handler.everSlashed(a)) {
                assertEq(uint256(st), uint256(VerityService.ProviderStatus.Slashed), "slashed");
            }
        }
        assertEq(service.providerCount() <= n ? 1 : 0, 1, "list has no duplicates");
    }
}
