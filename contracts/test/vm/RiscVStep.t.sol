// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StepHelper} from "./StepHelper.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";

/// @notice Instruction semantics, halting order and witness checks of RiscVStep on hand-built states and proofs.
contract RiscVStepTest is StepHelper {
    uint256 internal constant OP = 0x33;
    uint256 internal constant OP_IMM = 0x13;
    uint256 internal constant ECALL = 0x00000073;
    uint256 internal constant EBREAK = 0x00100073;

    function reset() internal {
        delete leafIndex;
        delete leafValue;
    }

    // ------------------------------------------------------------------------------------------------ ALU

    function checkR(uint256 f7, uint256 f3, uint256 a, uint256 b, uint256 expected, string memory what) internal {
        reset();
        bytes memory pre = program(rType(f7, 2, 1, f3, 3, OP));
        setReg(pre, 1, a);
        setReg(pre, 2, b);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 3, expected);
        expectPost(pre, memProof(PC0), post, what);
    }

    function checkI(uint256 f3, int256 imm, uint256 a, uint256 expected, string memory what) internal {
        reset();
        bytes memory pre = program(iType(imm, 1, f3, 3, OP_IMM));
        setReg(pre, 1, a);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 3, expected);
        expectPost(pre, memProof(PC0), post, what);
    }

    function test_registerOps() public {
        checkR(0, 0, 5, 7, 12, "add");
        checkR(0, 0, 0xffffffff, 2, 1, "add wraps");
        checkR(0x20, 0, 5, 7, 0xfffffffe, "sub");
        checkR(0, 1, 1, 35, 8, "sll uses low 5 bits");
        checkR(0, 2, 0xffffffff, 1, 1, "slt -1 < 1");
        checkR(0, 2, 1, 0xffffffff, 0, "slt 1 < -1");
        checkR(0, 3, 0xffffffff, 1, 0, "sltu");
        checkR(0, 3, 1, 0xffffffff, 1, "sltu 2");
        checkR(0, 4, 0xf0f0, 0xff00, 0x0ff0, "xor");
        checkR(0, 5, 0x80000000, 31, 1, "srl");
        checkR(0x20, 5, 0x80000000, 31, 0xffffffff, "sra");
        checkR(0x20, 5, 0x40000000, 30, 1, "sra positive");
        checkR(0, 6, 0xf0, 0x0f, 0xff, "or");
        checkR(0, 7, 0xf0, 0x3c, 0x30, "and");
    }

    function test_mulDiv() public {
        checkR(1, 0, 0x10000, 0x10000, 0, "mul low");
        checkR(1, 0, 0xffffffff, 3, 0xfffffffd, "mul -1*3");
        checkR(1, 1, 0xffffffff, 0xffffffff, 0, "mulh -1*-1");
        checkR(1, 1, 0x80000000, 0x80000000, 0x40000000, "mulh min*min");
        checkR(1, 1, 0xffffffff, 2, 0xffffffff, "mulh -1*2");
        checkR(1, 2, 0xffffffff, 0xffffffff, 0xffffffff, "mulhsu -1*(2^32-1)");
        checkR(1, 2, 2, 0xffffffff, 1, "mulhsu 2*(2^32-1)");
        checkR(1, 3, 0xffffffff, 0xffffffff, 0xfffffffe, "mulhu");
        checkR(1, 4, 0xfffffff9, 2, 0xfffffffd, "div -7/2 truncates");
        checkR(1, 4, 5, 0, 0xffffffff, "div by zero");
        checkR(1, 4, 0x80000000, 0xffffffff, 0x80000000, "div overflow");
        checkR(1, 5, 0xffffffff, 2, 0x7fffffff, "divu");
        checkR(1, 5, 5, 0, 0xffffffff, "divu by zero");
        checkR(1, 6, 0xfffffff9, 2, 0xffffffff, "rem -7%2");
        checkR(1, 6, 7, 0xfffffffe, 1, "rem 7%-2");
        checkR(1, 6, 5, 0, 5, "rem by zero");
        checkR(1, 6, 0x80000000, 0xffffffff, 0, "rem overflow");
        checkR(1, 7, 0xffffffff, 10, 5, "remu");
        checkR(1, 7, 9, 0, 9, "remu by zero");
    }

    function test_immediateOps() public {
        checkI(0, -1, 5, 4, "addi -1");
        checkI(2, -1, 0, 0, "slti 0 < -1");
        checkI(2, 1, 0xffffffff, 1, "slti -1 < 1");
        checkI(3, -1, 5, 1, "sltiu 5 < 2^32-1");
        checkI(4, -1, 0x0f, 0xfffffff0, "xori -1");
        checkI(6, 0x700, 0x0f, 0x70f, "ori");
        checkI(7, 0xff, 0x1234, 0x34, "andi");
        checkI(1, 4, 3, 48, "slli");
        checkI(5, 4, 0x80000000, 0x08000000, "srli");
        checkI(5, 0x404, 0x80000000, 0xf8000000, "srai");
    }

    function test_immediateShiftIllegalFunct7() public {
        bytes memory pre = program(iType(0x204, 1, 1, 3, OP_IMM)); // slli with imm[11:5] != 0
        expectPost(pre, memProof(PC0), halted(pre, 2), "slli bad funct7");
    }

    function test_writesToX0AreDropped() public {
        bytes memory pre = program(iType(5, 0, 0, 0, OP_IMM)); // addi x0, x0, 5
        expectPost(pre, memProof(PC0), advanced(pre, PC0 + 4), "x0 stays zero");
    }

    function test_luiAuipc() public {
        bytes memory pre = program(0xabcde000 | (5 << 7) | 0x37);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 5, 0xabcde000);
        expectPost(pre, memProof(PC0), post, "lui");
        reset();
        pre = program(0xfffff000 | (5 << 7) | 0x17);
        post = advanced(pre, PC0 + 4);
        setReg(post, 5, PC0 - 0x1000);
        expectPost(pre, memProof(PC0), post, "auipc negative");
    }

    // ------------------------------------------------------------------------------------------------ control flow

    function test_jal() public {
        bytes memory pre = program(jType(-8, 1));
        bytes memory post = advanced(pre, PC0 - 8);
        setReg(post, 1, PC0 + 4);
        expectPost(pre, memProof(PC0), post, "jal back");
        reset();
        pre = program(jType(6, 1));
        expectPost(pre, memProof(PC0), halted(pre, 3), "jal misaligned");
    }

    function test_jalr() public {
        bytes memory pre = program(iType(9, 1, 0, 1, 0x67)); // jalr x1, 9(x1): target cleared bit 0, rd = rs1
        setReg(pre, 1, 0x2003);
        bytes memory post = advanced(pre, 0x200c);
        setReg(post, 1, PC0 + 4);
        expectPost(pre, memProof(PC0), post, "jalr");
        reset();
        pre = program(iType(2, 1, 0, 1, 0x67));
        setReg(pre, 1, 0x2000);
        expectPost(pre, memProof(PC0), halted(pre, 3), "jalr misaligned");
        reset();
        pre = program(iType(0, 1, 1, 1, 0x67));
        expectPost(pre, memProof(PC0), halted(pre, 2), "jalr funct3 != 0");
    }

    function test_branches() public {
        // funct3, a, b, taken
        uint256[4][12] memory cases = [
            [uint256(0), 3, 3, 1],
            [uint256(0), 3, 4, 0],
            [uint256(1), 3, 4, 1],
            [uint256(1), 3, 3, 0],
            [uint256(4), 0xffffffff, 0, 1],
            [uint256(4), 0, 0xffffffff, 0],
            [uint256(5), 0, 0xffffffff, 1],
            [uint256(5), 0xffffffff, 0, 0],
            [uint256(6), 0, 0xffffffff, 1],
            [uint256(6), 0xffffffff, 0, 0],
            [uint256(7), 0xffffffff, 0, 1],
            [uint256(7), 0, 1, 0]
        ];
        for (uint256 i = 0; i < cases.length; i++) {
            reset();
            bytes memory pre = program(bType(-16, 2, 1, cases[i][0]));
            setReg(pre, 1, cases[i][1]);
            setReg(pre, 2, cases[i][2]);
            expectPost(pre, memProof(PC0), advanced(pre, cases[i][3] == 1 ? PC0 - 16 : PC0 + 4), "branch");
        }
        reset();
        bytes memory bad = program(bType(6, 0, 0, 0));
        expectPost(bad, memProof(PC0), halted(bad, 3), "taken branch to misaligned target");
        reset();
        bad = program(bType(6, 1, 0, 0));
        setReg(bad, 1, 1);
        expectPost(bad, memProof(PC0), advanced(bad, PC0 + 4), "untaken branch to misaligned target runs on");
        reset();
        bad = program(bType(8, 0, 0, 2));
        expectPost(bad, memProof(PC0), halted(bad, 2), "branch funct3 2 illegal");
    }

    // ------------------------------------------------------------------------------------------------ memory

    function checkLoad(uint256 f3, uint256 addr, uint256 expected, string memory what) internal {
        reset();
        poke(0x2000, hex"8182838485868788898a8b8c8d8e8f90");
        poke(0x201c, hex"f1f2f3f4");
        bytes memory pre = program(iType(int256(addr) - 0x2000, 1, f3, 7, 0x03));
        setReg(pre, 1, 0x2000);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 7, expected);
        expectPost(pre, abi.encodePacked(memProof(PC0), memProof(addr)), post, what);
    }

    function test_loads() public {
        checkLoad(0, 0x2000, 0xffffff81, "lb sign-extends");
        checkLoad(4, 0x2001, 0x82, "lbu");
        checkLoad(1, 0x2002, 0xffff8483, "lh");
        checkLoad(5, 0x2006, 0x8887, "lhu");
        checkLoad(2, 0x2004, 0x88878685, "lw");
        checkLoad(2, 0x201c, 0xf4f3f2f1, "lw at the end of a leaf");
        checkLoad(0, 0x200f, 0xffffff90, "lb");
    }

    function test_loadHalts() public {
        bytes memory pre = program(iType(2, 1, 2, 7, 0x03)); // lw x7, 2(x1)
        setReg(pre, 1, 0x2000);
        expectPost(pre, memProof(PC0), halted(pre, 3), "misaligned lw");
        reset();
        pre = program(iType(-4, 1, 2, 7, 0x03));
        setReg(pre, 1, MEM_LIMIT + 4 - 3); // misaligned and over the limit: alignment first
        expectPost(pre, memProof(PC0), halted(pre, 3), "alignment before limit");
        reset();
        pre = program(iType(-4, 1, 2, 7, 0x03));
        setReg(pre, 1, MEM_LIMIT + 4);
        expectPost(pre, memProof(PC0), halted(pre, 4), "lw at memLimit");
        reset();
        pre = program(iType(-1, 1, 4, 7, 0x03));
        setReg(pre, 1, MEM_LIMIT);
        expectPost(
            pre, abi.encodePacked(memProof(PC0), memProof(MEM_LIMIT - 1)), advanced(pre, PC0 + 4), "lbu last byte"
        );
        reset();
        pre = program(iType(0, 0, 3, 7, 0x03));
        expectPost(pre, memProof(PC0), halted(pre, 2), "ld is illegal");
    }

    function checkStore(uint256 f3, uint256 addr, bytes memory bytesLE) internal {
        reset();
        poke(0x2000, hex"1111111111111111");
        bytes memory pre = program(sType(int256(addr) - 0x2000, 2, 1, f3));
        setReg(pre, 1, 0x2000);
        setReg(pre, 2, 0xa1b2c3d4);
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(addr));
        poke(addr, bytesLE);
        expectPost(pre, proof, advanced(pre, PC0 + 4), "store");
    }

    function test_stores() public {
        checkStore(0, 0x2003, hex"d4");
        checkStore(1, 0x2002, hex"d4c3");
        checkStore(2, 0x2004, hex"d4c3b2a1");
        checkStore(2, 0x201c, hex"d4c3b2a1");
        checkStore(2, 0x2400, hex"d4c3b2a1"); // a leaf that was all zero
    }

    function test_storeIntoInstructionLeaf() public {
        bytes memory pre = program(sType(8, 2, 1, 2)); // sw x2, 8(x1) with x1 = pc

        setReg(pre, 1, PC0);
        setReg(pre, 2, 0xdeadbeef);
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(PC0 + 8));
        pokeWord(PC0 + 8, 0xdeadbeef);
        expectPost(pre, proof, advanced(pre, PC0 + 4), "store next to the running instruction");
    }

    function test_storeHalts() public {
        bytes memory pre = program(sType(1, 2, 1, 1));
        setReg(pre, 1, 0x2000);
        expectPost(pre, memProof(PC0), halted(pre, 3), "misaligned sh");
        reset();
        pre = program(sType(0, 2, 1, 2));
        setReg(pre, 1, MEM_LIMIT);
        expectPost(pre, memProof(PC0), halted(pre, 4), "sw at memLimit");
        reset();
        pre = program(sType(0, 2, 1, 3));
        expectPost(pre, memProof(PC0), halted(pre, 2), "sd is illegal");
    }

    function test_fence() public {
        bytes memory pre = program(0x0ff0000f);
        expectPost(pre, memProof(PC0), advanced(pre, PC0 + 4), "fence");
        reset();
        pre = program(0x0000100f);
        expectPost(pre, memProof(PC0), advanced(pre, PC0 + 4), "fence.i");
        reset();
        pre = program(0x0000200f);
        expectPost(pre, memProof(PC0), halted(pre, 2), "misc-mem funct3 2");
    }

    // ------------------------------------------------------------------------------------------------ halting order

    function test_haltedStepsToItself() public {
        for (uint256 status = 1; status <= 9; status++) {
            reset();
            bytes memory pre = program(iType(1, 0, 0, 1, OP_IMM));
            pre[204] = bytes1(uint8(status));
            assertEq(stepper.step(pre, ""), hashOf(pre), "halted state is a fixed point");
        }
    }

    function test_stepLimit() public {
        bytes memory pre = program(iType(1, 0, 0, 1, OP_IMM));
        setU(pre, 164, 8, 1_000_000);
        expectPost(pre, "", halted(pre, 5), "step == maxSteps");
        reset();
        pre = program(0xffffffff); // step limit comes before decode
        setU(pre, 164, 8, 7);
        setU(pre, 172, 8, 7);
        expectPost(pre, "", halted(pre, 5), "step limit before fetch");
    }

    function test_fetchHalts() public {
        bytes memory pre = newState();
        setU(pre, 160, 4, PC0 + 2);
        expectPost(pre, "", halted(pre, 3), "misaligned pc");
        pre = newState();
        setU(pre, 160, 4, MEM_LIMIT - 2 - 2); // pc + 4 > memLimit, and 4-aligned
        setU(pre, 180, 4, MEM_LIMIT - 1);
        expectPost(pre, "", halted(pre, 4), "pc + 4 > memLimit");
        pre = newState();
        setU(pre, 160, 4, 0xfffffffc);
        setU(pre, 180, 4, 0xffffffff);
        expectPost(pre, "", halted(pre, 4), "pc at the top of the address space");
    }

    function test_illegalAndBreakpoint() public {
        uint256[6] memory words =
            [uint256(0), 0xffffffff, 0x00200073, 0x30200073, 0x02000033 | (0x40 << 25), 0x0000007b];
        for (uint256 i = 0; i < words.length; i++) {
            reset();
            bytes memory pre = program(words[i]);
            expectPost(pre, memProof(PC0), halted(pre, 2), "illegal");
        }
        reset();
        bytes memory bp = program(EBREAK);
        expectPost(bp, memProof(PC0), halted(bp, 8), "ebreak");
    }

    // ------------------------------------------------------------------------------------------------ syscalls

    function ecallState(uint256 num, uint256 a0, uint256 a1, uint256 a2) internal returns (bytes memory pre) {
        pre = program(ECALL);
        setReg(pre, 17, num);
        setReg(pre, 10, a0);
        setReg(pre, 11, a1);
        setReg(pre, 12, a2);
    }

    function test_exit() public {
        bytes memory pre = ecallState(93, 42, 0, 0);
        bytes memory post = halted(pre, 1);
        setU(post, 200, 4, 42);
        expectPost(pre, memProof(PC0), post, "exit");
        reset();
        pre = ecallState(94, 0xffffffff, 0, 0);
        post = halted(pre, 1);
        setU(post, 200, 4, 0xffffffff);
        expectPost(pre, memProof(PC0), post, "exit_group");
    }

    function test_unknownSyscall() public {
        bytes memory pre = ecallState(1002, 0, 0, 0);
        expectPost(pre, memProof(PC0), halted(pre, 6), "unknown syscall");
    }

    bytes internal input =
        hex"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a";

    function inputState(uint256 buf, uint256 len, uint256 cursor) internal returns (bytes memory pre) {
        pre = ecallState(63, 0, buf, len);
        setW(pre, 32, chunkRootOf(input));
        setU(pre, 184, 4, input.length);
        setU(pre, 188, 4, cursor);
    }

    function test_read() public {
        // 75 input bytes, cursor 40: n = min(len 100, 32 - buf%32 = 29, 32 - 40%32 = 24, 35) = 24.
        bytes memory pre = inputState(0x2003, 100, 40);
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(0x2003), chunkProofOf(input, 1));
        bytes memory slice = new bytes(24);
        for (uint256 i = 0; i < 24; i++) {
            slice[i] = input[40 + i];
        }
        poke(0x2003, slice);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 24);
        setU(post, 188, 4, 64);
        expectPost(pre, proof, post, "read");

        // Last partial chunk: n = 75 - 72 = 3.
        reset();
        pre = inputState(0x2000, 100, 72);
        proof = abi.encodePacked(memProof(PC0), memProof(0x2000), chunkProofOf(input, 2));
        poke(0x2000, hex"48494a");
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 3);
        setU(post, 188, 4, 75);
        expectPost(pre, proof, post, "read tail");
    }

    function test_readEndAndBadFd() public {
        bytes memory pre = inputState(0x2000, 10, 75);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        expectPost(pre, memProof(PC0), post, "read at end of input");
        reset();
        pre = inputState(0x2000, 0, 0);
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        expectPost(pre, memProof(PC0), post, "read of 0 bytes");
        reset();
        pre = inputState(0x2000, 10, 0);
        setReg(pre, 10, 3);
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0xfffffff7);
        expectPost(pre, memProof(PC0), post, "read of fd 3 is EBADF");
        reset();
        pre = inputState(MEM_LIMIT, 10, 0);
        expectPost(pre, memProof(PC0), halted(pre, 4), "read past memLimit");
    }

    function writeState(uint256 fd, uint256 buf, uint256 len, uint256 outLen) internal returns (bytes memory pre) {
        pre = ecallState(64, fd, buf, len);
        setU(pre, 192, 4, outLen);
        setW(pre, 96, bytes32(uint256(0xaabb) << 240));
    }

    function test_writeCompletesBlock() public {
        poke(0x2010, hex"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        bytes memory pre = writeState(1, 0x2010, 50, 2); // n = min(50, 16, 30) = 16
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(0x2010));
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 16);
        setU(post, 192, 4, 18);
        setW(post, 96, bytes32(hex"aabb0102030405060708090a0b0c0d0e0f10"));
        expectPost(pre, proof, post, "write into the tail");

        reset();
        poke(0x2000, hex"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        pre = writeState(1, 0x2000, 100, 2); // n = 30 completes the block
        proof = abi.encodePacked(memProof(PC0), memProof(0x2000));
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 30);
        setU(post, 192, 4, 32);
        setW(
            post,
            64,
            keccak256(
                abi.encodePacked(bytes32(0), hex"aabb0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e")
            )
        );
        setW(post, 96, bytes32(0));
        expectPost(pre, proof, post, "write completes a block");
    }

    function test_writeOtherFdsAndLimits() public {
        bytes memory pre = writeState(2, 0x2000, 77, 0);
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 77);
        expectPost(pre, memProof(PC0), post, "stderr discarded");
        reset();
        pre = writeState(5, 0x2000, 77, 0);
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0xfffffff7);
        expectPost(pre, memProof(PC0), post, "bad fd");
        reset();
        pre = writeState(1, 0x2000, 0, 3);
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        expectPost(pre, memProof(PC0), post, "write of 0 bytes");
        reset();
        pre = writeState(1, 0x2000, 10, 4090); // n = 6
        setU(pre, 196, 4, 4095);
        expectPost(pre, memProof(PC0), halted(pre, 7), "output limit");
        reset();
        pre = writeState(1, MEM_LIMIT, 10, 0);
        expectPost(pre, memProof(PC0), halted(pre, 4), "write from past memLimit");
    }

    function test_oracleSelect() public {
        bytes32 key = bytes32(uint256(0x01) << 248 | 0x1234);
        poke(0x2020, abi.encodePacked(key));
        bytes memory pre = ecallState(1000, 0x2020, 0, 0);
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(0x2020));
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        setW(post, 128, key);
        expectPost(pre, proof, post, "oracle_select");
        reset();
        pre = ecallState(1000, 0x2010, 0, 0);
        expectPost(pre, memProof(PC0), halted(pre, 3), "oracle_select misaligned");
        reset();
        pre = ecallState(1000, MEM_LIMIT, 0, 0);
        expectPost(pre, memProof(PC0), halted(pre, 4), "oracle_select past memLimit");
    }

    function keccakKey(bytes memory blob) internal pure returns (bytes32) {
        return bytes32((uint256(keccak256(blob)) & (type(uint256).max >> 8)) | (uint256(1) << 248));
    }

    function merkleKey(bytes memory blob) internal view returns (bytes32) {
        bytes32 h = keccak256(abi.encodePacked(chunkRootOf(blob), uint32(blob.length)));
        return bytes32((uint256(h) & (type(uint256).max >> 8)) | (uint256(2) << 248));
    }

    function blobOf(uint256 len) internal pure returns (bytes memory b) {
        b = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            b[i] = bytes1(uint8(i * 7 + 3));
        }
    }

    function oracleState(bytes32 key, uint256 dst, uint256 len, uint256 offset) internal returns (bytes memory pre) {
        pre = ecallState(1001, dst, len, offset);
        setW(pre, 128, key);
    }

    function sliceOf(bytes memory b, uint256 from, uint256 n) internal pure returns (bytes memory s) {
        s = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            s[i] = b[from + i];
        }
    }

    function test_oracleReadKeccak() public {
        bytes memory blob = blobOf(100);
        // n = min(50, 32 - 5, 32 - 70 % 32 = 26, 30) = 26
        bytes memory pre = oracleState(keccakKey(blob), 0x2005, 50, 70);
        bytes memory proof = abi.encodePacked(memProof(PC0), uint32(100), blob, memProof(0x2005));
        poke(0x2005, sliceOf(blob, 70, 26));
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 26);
        expectPost(pre, proof, post, "oracle_read keccak");

        reset();
        pre = oracleState(keccakKey(blob), 0x2000, 50, 100);
        proof = abi.encodePacked(memProof(PC0), uint32(100), blob);
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        expectPost(pre, proof, post, "oracle_read at the end: n = 0 still carries the blob");
    }

    function test_oracleReadMerkle() public {
        bytes memory blob = blobOf(200); // 7 chunks, depth 3
        bytes32 root = chunkRootOf(blob);
        // n = min(64, 32, 32 - 161 % 32 = 31, 39) = 31, chunk 5
        bytes memory pre = oracleState(merkleKey(blob), 0x2000, 64, 161);
        bytes memory proof = abi.encodePacked(memProof(PC0), root, uint32(200), chunkProofOf(blob, 5), memProof(0x2000));
        poke(0x2000, sliceOf(blob, 161, 31));
        bytes memory post = advanced(pre, PC0 + 4);
        setReg(post, 10, 31);
        expectPost(pre, proof, post, "oracle_read merkle");

        reset();
        pre = oracleState(merkleKey(blob), 0x2000, 64, 500);
        proof = abi.encodePacked(memProof(PC0), root, uint32(200));
        post = advanced(pre, PC0 + 4);
        setReg(post, 10, 0);
        expectPost(pre, proof, post, "oracle_read merkle past the end");

        reset();
        pre = oracleState(merkleKey(blob), MEM_LIMIT, 64, 0);
        proof = abi.encodePacked(memProof(PC0), root, uint32(200), chunkProofOf(blob, 0));
        expectPost(pre, proof, halted(pre, 4), "oracle_read merkle past memLimit");
    }

    function test_oracleBadKeys() public {
        bytes memory pre = oracleState(bytes32(0), 0x2000, 4, 0);
        expectPost(pre, memProof(PC0), halted(pre, 9), "no key selected");
        reset();
        pre = oracleState(bytes32(uint256(3) << 248), 0x2000, 4, 0);
        expectPost(pre, memProof(PC0), halted(pre, 9), "unknown key type");
        reset();
        bytes memory big = blobOf(1025);
        pre = oracleState(keccakKey(big), 0x2000, 4, 0);
        expectPost(pre, abi.encodePacked(memProof(PC0), uint32(1025), big), halted(pre, 9), "keccak blob > 1024");
    }

    // ------------------------------------------------------------------------------------------------ rejections

    function test_rejectsBadStateLength() public {
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.StateLengthInvalid.selector, 328));
        stepper.step(new bytes(328), "");
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.StateLengthInvalid.selector, 330));
        stepper.stateHash(new bytes(330));
    }

    function test_rejectsUnknownStatus() public {
        bytes memory pre = program(iType(1, 0, 0, 1, OP_IMM));
        pre[204] = bytes1(uint8(10));
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.StatusInvalid.selector, 10));
        stepper.step(pre, "");
    }

    function test_rejectsWrongMemoryProof() public {
        bytes memory pre = program(iType(1, 0, 0, 1, OP_IMM));
        bytes memory proof = memProof(PC0);
        proof[500] ^= 0x01;
        vm.expectPartialRevert(RiscVStep.MemoryProofInvalid.selector);
        stepper.step(pre, proof);
        // Right proof, wrong pre-state root.
        pre[3] ^= 0x01;
        vm.expectPartialRevert(RiscVStep.MemoryProofInvalid.selector);
        stepper.step(pre, memProof(PC0));
        // A proof of another instruction leaf than the one holding pc.
        pre[3] ^= 0x01;
        pokeWord(PC0 + 32, 0x13);
        pre = withRoot(pre);
        vm.expectPartialRevert(RiscVStep.MemoryProofInvalid.selector);
        stepper.step(pre, memProof(PC0 + 32));
    }

    function test_rejectsWrongDataProof() public {
        poke(0x2000, hex"01");
        bytes memory pre = program(iType(0, 1, 0, 7, 0x03));
        setReg(pre, 1, 0x2000);
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(0x2000));
        proof[896] = 0x02; // claim the byte is 2
        vm.expectPartialRevert(RiscVStep.MemoryProofInvalid.selector);
        stepper.step(pre, proof);
    }

    function test_rejectsTruncatedAndOverlongProofs() public {
        bytes memory pre = program(iType(1, 0, 0, 1, OP_IMM));
        bytes memory proof = memProof(PC0);
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.ProofTruncated.selector, 0, 896, 895));
        stepper.step(pre, sliceOf(proof, 0, 895));
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.ProofLengthMismatch.selector, 896, 897));
        stepper.step(pre, abi.encodePacked(proof, uint8(0)));
        bytes memory haltedPre = halted(pre, 1);
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.ProofLengthMismatch.selector, 0, 1));
        stepper.step(haltedPre, hex"00");
        // A load without its data proof.
        reset();
        pre = program(iType(0, 1, 0, 7, 0x03));
        setReg(pre, 1, 0x2000);
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.ProofTruncated.selector, 896, 896, 896));
        stepper.step(pre, memProof(PC0));
    }

    function test_rejectsTamperedInputChunk() public {
        bytes memory pre = inputState(0x2000, 8, 0);
        bytes memory chunkProof = chunkProofOf(input, 0);
        chunkProof[0] = 0xff;
        bytes memory proof = abi.encodePacked(memProof(PC0), memProof(0x2000), chunkProof);
        vm.expectPartialRevert(RiscVStep.InputProofInvalid.selector);
        stepper.step(pre, proof);
        // Right chunk, state committing to another input root.
        setW(pre, 32, bytes32(uint256(1)));
        proof = abi.encodePacked(memProof(PC0), memProof(0x2000), chunkProofOf(input, 0));
        vm.expectPartialRevert(RiscVStep.InputProofInvalid.selector);
        stepper.step(pre, proof);
    }

    function test_rejectsTamperedOracleWitness() public {
        bytes memory blob = blobOf(100);
        bytes memory pre = oracleState(keccakKey(blob), 0x2000, 8, 0);
        bytes memory bad = copy(blob);
        bad[3] ^= 0x01;
        vm.expectPartialRevert(RiscVStep.OracleWitnessInvalid.selector);
        stepper.step(pre, abi.encodePacked(memProof(PC0), uint32(100), bad, memProof(0x2000)));
        vm.expectPartialRevert(RiscVStep.OracleWitnessInvalid.selector);
        stepper.step(pre, abi.encodePacked(memProof(PC0), uint32(99), sliceOf(blob, 0, 99), memProof(0x2000)));

        bytes memory big = blobOf(200);
        pre = oracleState(merkleKey(big), 0x2000, 8, 64);
        bytes memory chunkProof = chunkProofOf(big, 2);
        chunkProof[1] ^= 0x01;
        vm.expectPartialRevert(RiscVStep.OracleProofInvalid.selector);
        stepper.step(pre, abi.encodePacked(memProof(PC0), chunkRootOf(big), uint32(200), chunkProof, memProof(0x2000)));
        vm.expectPartialRevert(RiscVStep.OracleWitnessInvalid.selector);
        stepper.step(
            pre, abi.encodePacked(memProof(PC0), chunkRootOf(big), uint32(201), chunkProofOf(big, 2), memProof(0x2000))
        );
    }

    // ------------------------------------------------------------------------------------------------ decoder fuzz

    /// @dev Independent legality check of an instruction word (RV32IM + FENCE/FENCE.I + ECALL/EBREAK).
    function legal(uint256 w) internal pure returns (bool) {
        uint256 op = w & 0x7f;
        uint256 f3 = (w >> 12) & 7;
        uint256 f7 = w >> 25;
        if (op == 0x37 || op == 0x17 || op == 0x6f) return true;
        if (op == 0x67) return f3 == 0;
        if (op == 0x63) return f3 != 2 && f3 != 3;
        if (op == 0x03) return f3 == 0 || f3 == 1 || f3 == 2 || f3 == 4 || f3 == 5;
        if (op == 0x23) return f3 <= 2;
        if (op == 0x13) return f3 == 1 ? f7 == 0 : f3 == 5 ? (f7 == 0 || f7 == 0x20) : true;
        if (op == 0x33) return f7 == 0 || f7 == 1 || (f7 == 0x20 && (f3 == 0 || f3 == 5));
        if (op == 0x0f) return f3 <= 1;
        if (op == 0x73) return w == ECALL || w == EBREAK;
        return false;
    }

    function testFuzz_decoder(uint32 word, uint32 base) public {
        uint256 w = word;
        bytes memory pre = program(w);
        // Registers hold `base`, so loads and stores land at base + imm; a7 = base picks a syscall number.
        for (uint256 r = 1; r < 32; r++) {
            setReg(pre, r, base);
        }
        bytes memory proof = memProof(PC0);
        uint256 op = w & 0x7f;
        if (legal(w) && (op == 0x03 || op == 0x23)) {
            uint256 imm = op == 0x03 ? (w >> 20) : (((w >> 25) << 5) | ((w >> 7) & 31));
            if (imm >= 0x800) imm += 0xfffff000;
            uint256 addr = (((w >> 15) & 31 == 0 ? 0 : uint256(base)) + imm) & 0xffffffff;
            uint256 size = 1 << (((w >> 12) & 7) & 3);
            if (addr % size == 0 && addr + size <= MEM_LIMIT) proof = abi.encodePacked(proof, memProof(addr));
        }
        if (w == ECALL) {
            // Keep to syscalls whose witness needs nothing beyond the instruction proof.
            vm.assume(base != 63 && base != 64 && base != 1000 && base != 1001);
        }
        bytes32 post = stepper.step(pre, proof);
        uint256 status = uint256(post) >> 248;
        if (!legal(w)) assertEq(status, 2, "illegal word halts IllegalInstruction");
        else assertTrue(status != 2, "legal word does not halt IllegalInstruction");
    }
}
