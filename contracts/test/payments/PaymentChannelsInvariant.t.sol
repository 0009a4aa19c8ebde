// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {PaymentChannels} from "../../src/payments/PaymentChannels.sol";

/// @notice Random deposits, vouchers (fresh and stale), claims and withdrawals over 3 payers x 3 providers.
contract ChannelHandler is Test {
    PaymentChannels public immutable channels;
    uint256[] internal payerKeys;
    address[] public payers;
    address[] public providers;
    /// @notice Highest cumulative amount any voucher of the channel was signed for.
    mapping(bytes32 => uint256) public maxSigned;
    mapping(bytes32 => uint256) public ghostDeposited;
    uint256 public ghostRefunded;
    uint256 public successfulClaims;
    uint256 public successfulFinalizes;

    constructor(PaymentChannels channels_) {
        channels = channels_;
        for (uint256 i = 1; i <= 3; ++i) {
            payerKeys.push(0xA000 + i);
            payers.push(vm.addr(0xA000 + i));
            providers.push(address(uint160(0xB000 + i)));
        }
    }

    function count() external view returns (uint256) {
        return payers.length;
    }

    function deposit(uint256 p, uint256 q, uint256 amount) external {
        address payer = payers[p % payers.length];
        address provider = providers[q % providers.length];
        amount = bound(amount, 1, 5 ether);
        vm.deal(payer, payer.balance + amount);
        vm.prank(payer);
        bytes32 id = channels.deposit{value: amount}(provider);
        ghostDeposited[id] += amount;
    }

    function claim(uint256 p, uint256 q, uint256 amount, bool fresh) external {
        uint256 i = p % payers.length;
        address provider = providers[q % providers.length];
        bytes32 id = channels.channelIdOf(payers[i], provider);
        uint256 newest = maxSigned[id];
        // A fresh voucher owes more than any before; a stale one re-signs an older amount.
        uint256 cumulative = fresh ? newest + bound(amount, 0, 3 ether) : bound(amount, 0, newest);
        if (cumulative > newest) maxSigned[id] = cumulative;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKeys[i], channels.voucherDigest(id, cumulative));
        PaymentChannels.SignedVoucher[] memory list = new PaymentChannels.SignedVoucher[](1);
        list[0] = PaymentChannels.SignedVoucher(id, cumulative, abi.encodePacked(r, s, v));
        vm.prank(provider);
        try channels.claim(list) {
            successfulClaims++;
        } catch {}
    }

    function initiate(uint256 p, uint256 q) external {
        vm.prank(payers[p % payers.length]);
        try channels.initiateWithdraw(providers[q % providers.length]) {} catch {}
    }

    function cancel(uint256 p, uint256 q) external {
        vm.prank(payers[p % payers.length]);
        try channels.cancelWithdraw(providers[q % providers.length]) {} catch {}
    }

    function finalize(uint256 p, uint256 q, uint256 wait) external {
        address payer = payers[p % payers.length];
        vm.warp(block.timestamp + bound(wait, 0, 2 * uint256(channels.withdrawDelay())));
        uint256 before = payer.balance;
        vm.prank(payer);
        try channels.finalizeWithdraw(providers[q % providers.length]) {
            ghostRefunded += payer.balance - before;
            successfulFinalizes++;
        } catch {}
    }
}

contract PaymentChannelsInvariantTest is Test {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    PaymentChannels internal channels;
    ChannelHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        channels = new PaymentChannels(1 days);
        handler = new ChannelHandler(channels);
    }

    function targetContracts() public view returns (address[] memory list) {
        list = new address[](1);
        list[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory list) {
        bytes4[] memory s = new bytes4[](5);
        s[0] = ChannelHandler.deposit.selector;
        s[1] = ChannelHandler.claim.selector;
        s[2] = ChannelHandler.initiate.selector;
        s[3] = ChannelHandler.cancel.selector;
        s[4] = ChannelHandler.finalize.selector;
        list = new FuzzSelector[](1);
        list[0] = FuzzSelector(address(handler), s);
    }

    /// @notice Per channel: claimed + withdrawn <= deposited, claimed <= the newest voucher; globally every wei held
    ///         is some channel's balance and every wei paid out is claimed or refunded.
    function invariant_channelsNeverOverpay() public view {
        uint256 n = handler.count();
        uint256 held;
        uint256 claimedTotal;
        uint256 providerBalances;
        uint256 withdrawnTotal;
        for (uint256 i; i < n; ++i) {
            for (uint256 j; j < n; ++j) {
                bytes32 id = channels.channelIdOf(handler.payers(i), handler.providers(j));
                PaymentChannels.Channel memory c = channels.channel(id);
                assertEq(c.deposited, handler.ghostDeposited(id), "deposited");
                assertTrue(uint256(c.claimed) + c.withdrawn <= c.deposited, "paid more than deposited");
                assertTrue(c.claimed <= handler.maxSigned(id), "paid more than the newest voucher");
                held += channels.balanceOf(id);
                claimedTotal += c.claimed;
                withdrawnTotal += c.withdrawn;
            }
            providerBalances += handler.providers(i).balance;
        }
        assertEq(address(channels).balance, held, "held == sum of balances");
        assertEq(providerBalances, claimedTotal, "providers got exactly what was claimed");
        assertEq(handler.ghostRefunded(), withdrawnTotal, "payers got exactly what was withdrawn");
    }
}
