// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChannelFixture} from "./ChannelFixture.sol";
import {PaymentChannels} from "../../src/payments/PaymentChannels.sol";
import {ProgramRegistry} from "../../src/ProgramRegistry.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";

/// @notice Gas of the service and payment entry points that matter for operators (printed with -vv, bounded here).
contract GasTest is ChannelFixture {
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function _log(string memory what, uint256 gas) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", what, gas));
        ok;
    }

    function _channels(uint256 n) internal returns (PaymentChannels.SignedVoucher[] memory list) {
        list = new PaymentChannels.SignedVoucher[](n);
        for (uint256 i; i < n; ++i) {
            uint256 key = 0x10000 + i;
            bytes32 id = _deposit(vm.addr(key), provider, 1 ether);
            list[i] = _voucher(key, id, 0.5 ether);
        }
    }

    function test_gas_register() public {
        ProgramRegistry registry = new ProgramRegistry();
        EchoService service = new EchoService(address(this), address(0xA4B), address(registry), 1 ether, 7 days, 1 days);
        vm.deal(provider, 1 ether);
        vm.cool(address(service));
        vm.prank(provider);
        uint256 g = gasleft();
        service.register{value: 1 ether}("https://provider-1.example.org:8443");
        g -= gasleft();
        _log("register (first, 35-byte host)", g);
        assertTrue(g < 200_000, "register gas");
    }

    function test_gas_deposit() public {
        vm.cool(address(channels));
        vm.prank(payer);
        uint256 g = gasleft();
        channels.deposit{value: 1 ether}(provider);
        g -= gasleft();
        _log("deposit (new channel)", g);
        vm.cool(address(channels));
        vm.prank(payer);
        uint256 g2 = gasleft();
        channels.deposit{value: 1 ether}(provider);
        g2 -= gasleft();
        _log("deposit (top-up)", g2);
        assertTrue(g < 60_000 && g2 < 40_000, "deposit gas");
    }

    function test_gas_claim1() public {
        PaymentChannels.SignedVoucher[] memory list = _channels(1);
        vm.cool(address(channels)); // storage written by the setup must count as cold, as in a real transaction
        vm.prank(provider);
        uint256 g = gasleft();
        channels.claim(list);
        g -= gasleft();
        _log("claim 1 channel", g);
        assertTrue(g < 60_000, "claim 1 gas");
    }

    function test_gas_claim100() public {
        PaymentChannels.SignedVoucher[] memory list = _channels(100);
        vm.cool(address(channels)); // storage written by the setup must count as cold, as in a real transaction
        vm.prank(provider);
        uint256 g = gasleft();
        channels.claim(list);
        g -= gasleft();
        _log("claim 100 channels", g);
        _log("claim 100 channels, per channel", g / 100);
        assertTrue(g < 100 * 25_000, "claim 100 gas");
        assertEq(provider.balance, 50 ether, "all paid");
    }
}
