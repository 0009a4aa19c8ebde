// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "./MerkleProof.sol";
import {StateCodec as S} from "./StateCodec.sol";

/// @title RiscVStep
/// @notice The on-chain one-step proof of the Verity proving VM (docs/protocol.md §1): executes exactly one RV32IM
///         instruction or system call of a committed machine state, checking every piece of memory, input and
///         oracle data it touches against the state's roots, and returns the post-state hash.
/// @dev Mirrors the TypeScript reference verifier (packages/vm/src/verify.ts). The state is copied once to memory
///      and edited in place (see StateCodec); the witness is read straight from calldata with a moving cursor.
contract RiscVStep {
    /// @notice The state encoding is not 329 bytes long.
    error StateLengthInvalid(uint256 length);
    /// @notice The state's status byte is not a status of docs/protocol.md §1.2 (0..9).
    error StatusInvalid(uint256 status);
    /// @notice The proof ends before a witness part the step needs: `needed` bytes at `offset`, `length` given.
    error ProofTruncated(uint256 offset, uint256 needed, uint256 length);
    /// @notice The proof has bytes the step does not use: `consumed` of `length` were read.
    error ProofLengthMismatch(uint256 consumed, uint256 length);
    /// @notice A memory proof for leaf `leafIndex` does not hash to the state's memory root.
    error MemoryProofInvalid(uint256 leafIndex, bytes32 computed, bytes32 expected);
    /// @notice The input chunk proof for chunk `chunkIndex` does not hash to the state's input root.
    error InputProofInvalid(uint256 chunkIndex, bytes32 computed, bytes32 expected);
    /// @notice The oracle witness does not match the selected key (blob hash or chunk-root commitment differs).
    error OracleWitnessInvalid(bytes32 key);
    /// @notice The oracle chunk proof for chunk `chunkIndex` does not hash to the committed chunk root.
    error OracleProofInvalid(uint256 chunkIndex, bytes32 computed, bytes32 expected);

    uint256 private constant M32 = 0xffffffff;
    uint256 private constant PROOF = MerkleProof.MEMORY_PROOF_LENGTH;
    uint256 private constant MAX_KECCAK_BLOB = 1024;

    /// @notice Executes one step of `state` with the witness `proof` (§1.10) and returns the post-state hash.
    /// @param state The 329-byte pre-state encoding (§1.3).
    /// @param proof The step witness: memory proofs, input chunk proof and oracle witness the step needs, in order.
    /// @return postStateHash The state hash (§1.3) of the state after the step.
    function step(bytes calldata state, bytes calldata proof) external pure returns (bytes32 postStateHash) {
        if (state.length != S.LENGTH) revert StateLengthInvalid(state.length);
        uint256 s = S.load(state);
        uint256 status = S.get(s, S.STATUS, 1);
        if (status > S.BAD_ORACLE_KEY) revert StatusInvalid(status);
        uint256 used = _step(s, proof);
        if (used != proof.length) revert ProofLengthMismatch(used, proof.length);
        return S.hash(s);
    }

    /// @notice The state hash (§1.3) of a 329-byte state encoding.
    /// @param state The state encoding.
    /// @return The keccak of the encoding with its top byte replaced by the status.
    function stateHash(bytes calldata state) external pure returns (bytes32) {
        if (state.length != S.LENGTH) revert StateLengthInvalid(state.length);
        return S.hashCalldata(state);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Step skeleton: the halting order of §1.2.

    function _step(uint256 s, bytes calldata proof) private pure returns (uint256) {
        if (S.get(s, S.STATUS, 1) != S.RUNNING) return 0;
        if (S.get(s, S.STEP, 8) >= S.get(s, S.MAX_STEPS, 8)) return _halt(s, S.STEP_LIMIT, 0);
        uint256 pc = S.get(s, S.PC, 4);
        if (pc & 3 != 0) return _halt(s, S.MISALIGNED_ACCESS, 0);
        if (pc + 4 > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, 0);
        bytes32 leaf = _readLeaf(s, proof, 0, pc >> 5);
        return _execute(s, proof, pc, _loadLE(leaf, pc & 31, 4));
    }

    function _execute(uint256 s, bytes calldata proof, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 opcode = insn & 0x7f;
        if (opcode == 0x33) return _op(s, pc, insn);
        if (opcode == 0x13) return _opImm(s, pc, insn);
        if (opcode == 0x03) return _load(s, proof, pc, insn);
        if (opcode == 0x23) return _store(s, proof, pc, insn);
        if (opcode == 0x63) return _branch(s, pc, insn);
        if (opcode == 0x6f) {
            // JAL
            uint256 target = (pc + _immJ(insn)) & M32;
            if (target & 3 != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
            S.setReg(s, (insn >> 7) & 31, pc + 4);
            return _next(s, target, PROOF);
        }
        if (opcode == 0x67) {
            // JALR
            if ((insn >> 12) & 7 != 0) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
            uint256 target = (S.reg(s, (insn >> 15) & 31) + _immI(insn)) & 0xfffffffe;
            if (target & 3 != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
            S.setReg(s, (insn >> 7) & 31, pc + 4);
            return _next(s, target, PROOF);
        }
        if (opcode == 0x37) {
            // LUI
            S.setReg(s, (insn >> 7) & 31, insn & 0xfffff000);
            return _next(s, pc + 4, PROOF);
        }
        if (opcode == 0x17) {
            // AUIPC
            S.setReg(s, (insn >> 7) & 31, pc + (insn & 0xfffff000));
            return _next(s, pc + 4, PROOF);
        }
        if (opcode == 0x0f) {
            // FENCE, FENCE.I: no-ops.
            if ((insn >> 12) & 7 > 1) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
            return _next(s, pc + 4, PROOF);
        }
        if (opcode == 0x73) {
            if (insn == 0x00000073) return _ecall(s, proof, pc);
            if (insn == 0x00100073) return _halt(s, S.BREAKPOINT, PROOF);
        }
        return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Integer instructions.

    function _op(uint256 s, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 a = S.reg(s, (insn >> 15) & 31);
        uint256 b = S.reg(s, (insn >> 20) & 31);
        uint256 f3 = (insn >> 12) & 7;
        uint256 f7 = insn >> 25;
        uint256 r;
        if (f7 == 0) {
            r = _alu(f3, a, b);
        } else if (f7 == 0x20 && (f3 == 0 || f3 == 5)) {
            assembly ("memory-safe") {
                switch f3
                case 0 { r := sub(a, b) }
                default { r := sar(and(b, 31), signextend(3, a)) }
            }
        } else if (f7 == 1) {
            r = _mulDiv(f3, a, b);
        } else {
            return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
        }
        S.setReg(s, (insn >> 7) & 31, r & M32);
        return _next(s, pc + 4, PROOF);
    }

    function _opImm(uint256 s, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 a = S.reg(s, (insn >> 15) & 31);
        uint256 f3 = (insn >> 12) & 7;
        uint256 f7 = insn >> 25;
        uint256 r;
        if (f3 == 1) {
            if (f7 != 0) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
            r = a << ((insn >> 20) & 31);
        } else if (f3 == 5) {
            uint256 sh = (insn >> 20) & 31;
            if (f7 == 0) {
                r = a >> sh;
            } else if (f7 == 0x20) {
                assembly ("memory-safe") {
                    r := sar(sh, signextend(3, a))
                }
            } else {
                return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
            }
        } else {
            r = _alu(f3, a, _immI(insn));
        }
        S.setReg(s, (insn >> 7) & 31, r & M32);
        return _next(s, pc + 4, PROOF);
    }

    /// @dev The funct7 = 0 register operations (also the immediate ones for funct3 other than the shifts).
    function _alu(uint256 f3, uint256 a, uint256 b) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            switch f3
            case 0 { r := add(a, b) }
            case 1 { r := shl(and(b, 31), a) }
            case 2 { r := slt(signextend(3, a), signextend(3, b)) }
            case 3 { r := lt(a, b) }
            case 4 { r := xor(a, b) }
            case 5 { r := shr(and(b, 31), a) }
            case 6 { r := or(a, b) }
            default { r := and(a, b) }
        }
    }

    /// @dev The M extension. Division by zero and signed overflow follow the RISC-V table, not the EVM's.
    function _mulDiv(uint256 f3, uint256 a, uint256 b) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            switch f3
            case 0 { r := mul(a, b) }
            case 1 { r := sar(32, mul(signextend(3, a), signextend(3, b))) }
            case 2 { r := sar(32, mul(signextend(3, a), b)) }
            case 3 { r := shr(32, mul(a, b)) }
            case 4 {
                switch b
                case 0 { r := 0xffffffff }
                default { r := sdiv(signextend(3, a), signextend(3, b)) }
            }
            case 5 {
                switch b
                case 0 { r := 0xffffffff }
                default { r := div(a, b) }
            }
            case 6 {
                switch b
                case 0 { r := a }
                default { r := smod(signextend(3, a), signextend(3, b)) }
            }
            default {
                switch b
                case 0 { r := a }
                default { r := mod(a, b) }
            }
        }
    }

    function _branch(uint256 s, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 f3 = (insn >> 12) & 7;
        if (f3 == 2 || f3 == 3) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
        uint256 a = S.reg(s, (insn >> 15) & 31);
        uint256 b = S.reg(s, (insn >> 20) & 31);
        bool taken;
        assembly ("memory-safe") {
            switch f3
            case 0 { taken := eq(a, b) }
            case 1 { taken := iszero(eq(a, b)) }
            case 4 { taken := slt(signextend(3, a), signextend(3, b)) }
            case 5 { taken := iszero(slt(signextend(3, a), signextend(3, b))) }
            case 6 { taken := lt(a, b) }
            default { taken := iszero(lt(a, b)) }
        }
        if (!taken) return _next(s, pc + 4, PROOF);
        uint256 target = (pc + _immB(insn)) & M32;
        if (target & 3 != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
        return _next(s, target, PROOF);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Loads and stores: one data leaf, proved after the instruction leaf.

    function _load(uint256 s, bytes calldata proof, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 f3 = (insn >> 12) & 7;
        if (f3 == 3 || f3 > 5) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
        uint256 size = _pow2(f3 & 3);
        uint256 addr = (S.reg(s, (insn >> 15) & 31) + _immI(insn)) & M32;
        if (addr & (size - 1) != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
        if (addr + size > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, PROOF);
        uint256 v = _loadLE(_readLeaf(s, proof, PROOF, addr >> 5), addr & 31, size);
        if (f3 < 2) {
            // LB, LH sign-extend; LBU, LHU (f3 4, 5) and LW do not need to.
            assembly ("memory-safe") {
                v := and(signextend(f3, v), 0xffffffff)
            }
        }
        S.setReg(s, (insn >> 7) & 31, v);
        return _next(s, pc + 4, 2 * PROOF);
    }

    function _store(uint256 s, bytes calldata proof, uint256 pc, uint256 insn) private pure returns (uint256) {
        uint256 f3 = (insn >> 12) & 7;
        if (f3 > 2) return _halt(s, S.ILLEGAL_INSTRUCTION, PROOF);
        uint256 size = _pow2(f3);
        uint256 addr = (S.reg(s, (insn >> 15) & 31) + _immS(insn)) & M32;
        if (addr & (size - 1) != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
        if (addr + size > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, PROOF);
        bytes32 leaf = _readLeaf(s, proof, PROOF, addr >> 5);
        leaf = _storeLE(leaf, addr & 31, size, S.reg(s, (insn >> 20) & 31));
        _writeLeaf(s, proof, PROOF, addr >> 5, leaf);
        return _next(s, pc + 4, 2 * PROOF);
    }

    // ------------------------------------------------------------------------------------------------------------
    // System calls (§1.5).

    function _ecall(uint256 s, bytes calldata proof, uint256 pc) private pure returns (uint256) {
        uint256 num = S.reg(s, 17);
        if (num == 93 || num == 94) {
            S.set(s, S.EXIT_CODE, 4, S.reg(s, 10));
            return _halt(s, S.EXITED, PROOF);
        }
        if (num == 63) return _sysRead(s, proof, pc);
        if (num == 64) return _sysWrite(s, proof, pc);
        if (num == 1000) return _oracleSelect(s, proof, pc);
        if (num == 1001) return _oracleRead(s, proof, pc);
        return _halt(s, S.UNKNOWN_SYSCALL, PROOF);
    }

    function _sysRead(uint256 s, bytes calldata proof, uint256 pc) private pure returns (uint256) {
        if (S.reg(s, 10) != 0) {
            S.setReg(s, 10, 0xfffffff7); // -9, EBADF
            return _next(s, pc + 4, PROOF);
        }
        uint256 buf = S.reg(s, 11);
        uint256 cursor = S.get(s, S.INPUT_CURSOR, 4);
        uint256 length = S.get(s, S.INPUT_LENGTH, 4);
        uint256 n = _min(_min(S.reg(s, 12), 32 - (buf & 31)), 32 - (cursor & 31));
        n = _min(n, length > cursor ? length - cursor : 0);
        uint256 used = PROOF;
        if (n > 0) {
            if (buf + n > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, PROOF);
            bytes32 leaf = _readLeaf(s, proof, PROOF, buf >> 5);
            bytes32 chunk;
            (chunk, used) = _inputChunk(s, proof, 2 * PROOF, cursor >> 5, length);
            _writeLeaf(s, proof, PROOF, buf >> 5, _copy(leaf, buf & 31, chunk, cursor & 31, n));
            S.set(s, S.INPUT_CURSOR, 4, cursor + n);
        }
        S.setReg(s, 10, n);
        return _next(s, pc + 4, used);
    }

    function _sysWrite(uint256 s, bytes calldata proof, uint256 pc) private pure returns (uint256) {
        uint256 fd = S.reg(s, 10);
        if (fd != 1) {
            S.setReg(s, 10, fd == 2 ? S.reg(s, 12) : 0xfffffff7);
            return _next(s, pc + 4, PROOF);
        }
        uint256 buf = S.reg(s, 11);
        uint256 outLen = S.get(s, S.OUTPUT_LENGTH, 4);
        uint256 n = _min(_min(S.reg(s, 12), 32 - (buf & 31)), 32 - (outLen & 31));
        if (outLen + n > S.get(s, S.MAX_OUTPUT, 4)) return _halt(s, S.OUTPUT_LIMIT, PROOF);
        uint256 used = PROOF;
        if (n > 0) {
            if (buf + n > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, PROOF);
            bytes32 leaf = _readLeaf(s, proof, used, buf >> 5);
            used += PROOF;
            bytes32 tail = _copy(S.getWord(s, S.OUTPUT_TAIL), outLen & 31, leaf, buf & 31, n);
            outLen += n;
            if (outLen & 31 == 0) {
                bytes32 chain = S.getWord(s, S.OUTPUT_CHAIN);
                assembly ("memory-safe") {
                    mstore(0, chain)
                    mstore(32, tail)
                    chain := keccak256(0, 64)
                }
                S.setWord(s, S.OUTPUT_CHAIN, chain);
                tail = 0;
            }
            S.setWord(s, S.OUTPUT_TAIL, tail);
            S.set(s, S.OUTPUT_LENGTH, 4, outLen);
        }
        S.setReg(s, 10, n);
        return _next(s, pc + 4, used);
    }

    function _oracleSelect(uint256 s, bytes calldata proof, uint256 pc) private pure returns (uint256) {
        uint256 ptr = S.reg(s, 10);
        if (ptr & 31 != 0) return _halt(s, S.MISALIGNED_ACCESS, PROOF);
        if (ptr + 32 > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, PROOF);
        S.setWord(s, S.ORACLE_KEY, _readLeaf(s, proof, PROOF, ptr >> 5));
        S.setReg(s, 10, 0);
        return _next(s, pc + 4, 2 * PROOF);
    }

    /// @dev Witness after the instruction proof: the oracle witness (type 1: `u32(len) || blob`; type 2:
    ///      `chunkRoot || u32(len)`, then the chunk proof of chunk offset/32 when n > 0), then the data-leaf proof
    ///      when bytes are copied. The oracle witness comes before the data-leaf proof because n, and so whether
    ///      that proof is present at all, depends on the blob length inside the oracle witness.
    function _oracleRead(uint256 s, bytes calldata proof, uint256 pc) private pure returns (uint256) {
        bytes32 key = S.getWord(s, S.ORACLE_KEY);
        uint256 kind = uint256(key) >> 248;
        if (kind != 1 && kind != 2) return _halt(s, S.BAD_ORACLE_KEY, PROOF);
        (uint256 blobLength, uint256 used) = _oracleHeader(proof, key);
        if (kind == 1 && blobLength > MAX_KECCAK_BLOB) return _halt(s, S.BAD_ORACLE_KEY, used);
        uint256 dst = S.reg(s, 10);
        uint256 offset = S.reg(s, 12);
        uint256 n = _min(_min(S.reg(s, 11), 32 - (dst & 31)), 32 - (offset & 31));
        n = _min(n, blobLength > offset ? blobLength - offset : 0);
        if (n > 0) {
            bytes32 chunk;
            (chunk, used) = _oracleChunk(proof, key, blobLength, offset, used);
            if (dst + n > S.get(s, S.MEM_LIMIT, 4)) return _halt(s, S.MEMORY_LIMIT, used);
            bytes32 leaf = _readLeaf(s, proof, used, dst >> 5);
            _writeLeaf(s, proof, used, dst >> 5, _copy(leaf, dst & 31, chunk, 0, n));
            used += PROOF;
        }
        S.setReg(s, 10, n);
        return _next(s, pc + 4, used);
    }

    /// @dev Checks the oracle witness header right after the instruction proof against `key`: for type 1 the
    ///      whole blob is hashed, for type 2 the chunk-root commitment. Returns the blob length and the offset just
    ///      past the header (past the blob for type 1).
    function _oracleHeader(bytes calldata proof, bytes32 key) private pure returns (uint256 blobLength, uint256 end) {
        uint256 w = PROOF;
        bytes32 h;
        if (uint256(key) >> 248 == 1) {
            _need(proof, w, 4);
            blobLength = uint256(uint32(bytes4(proof[w:w + 4])));
            _need(proof, w + 4, blobLength);
            assembly ("memory-safe") {
                let p := mload(0x40)
                calldatacopy(p, add(proof.offset, add(w, 4)), blobLength)
                h := keccak256(p, blobLength)
            }
            end = w + 4 + blobLength;
        } else {
            _need(proof, w, 36);
            blobLength = uint256(uint32(bytes4(proof[w + 32:w + 36])));
            h = keccak256(proof[w:w + 36]);
            end = w + 36;
        }
        // The key's first byte is its type; the other 31 bytes are the hash's last 31.
        if (h << 8 != key << 8) revert OracleWitnessInvalid(key);
    }

    /// @dev The blob bytes starting at `offset`, left-aligned in a word (zero past the blob). For type 1 they come
    ///      from the blob in the witness; for type 2 from the chunk proof at `at`, checked against the chunk root.
    ///      Returns the word and the offset just past what was read.
    function _oracleChunk(bytes calldata proof, bytes32 key, uint256 blobLength, uint256 offset, uint256 at)
        private
        pure
        returns (bytes32 chunk, uint256 end)
    {
        uint256 w = PROOF;
        if (uint256(key) >> 248 == 1) {
            // offset < blobLength here, and the caller copies at most blobLength - offset bytes of this word.
            assembly ("memory-safe") {
                chunk := calldataload(add(add(proof.offset, add(w, 4)), offset))
            }
            return (chunk, at);
        }
        uint256 depth = MerkleProof.chunkDepth(blobLength);
        _need(proof, at, 32 + 32 * depth);
        chunk = MerkleProof.word(proof, at);
        bytes32 computed = MerkleProof.root(proof, at + 32, offset >> 5, chunk, depth);
        bytes32 expected = MerkleProof.word(proof, w);
        if (computed != expected) revert OracleProofInvalid(offset >> 5, computed, expected);
        chunk = bytes32(uint256(chunk) << ((offset & 31) << 3));
        end = at + 32 + 32 * depth;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Witness and state helpers.

    /// @dev Checks the input chunk proof at `proof[at]` for chunk `index` of an input of `length` bytes against the
    ///      state's input root; returns the chunk and the end of the proof.
    function _inputChunk(uint256 s, bytes calldata proof, uint256 at, uint256 index, uint256 length)
        private
        pure
        returns (bytes32 chunk, uint256 end)
    {
        uint256 depth = MerkleProof.chunkDepth(length);
        _need(proof, at, 32 + 32 * depth);
        chunk = MerkleProof.word(proof, at);
        bytes32 computed = MerkleProof.root(proof, at + 32, index, chunk, depth);
        bytes32 expected = S.getWord(s, S.INPUT_ROOT);
        if (computed != expected) revert InputProofInvalid(index, computed, expected);
        end = at + 32 + 32 * depth;
    }

    /// @dev Checks the memory proof at `proof[at]` for leaf `index` against the state's root; returns the leaf.
    function _readLeaf(uint256 s, bytes calldata proof, uint256 at, uint256 index) private pure returns (bytes32 leaf) {
        _need(proof, at, PROOF);
        leaf = MerkleProof.word(proof, at);
        bytes32 computed = MerkleProof.root(proof, at + 32, index, leaf, MerkleProof.MEMORY_DEPTH);
        bytes32 expected = S.getWord(s, S.MEM_ROOT);
        if (computed != expected) revert MemoryProofInvalid(index, computed, expected);
    }

    /// @dev Sets the state's memory root to the root with leaf `index` replaced, reusing the proof's siblings.
    function _writeLeaf(uint256 s, bytes calldata proof, uint256 at, uint256 index, bytes32 leaf) private pure {
        S.setWord(s, S.MEM_ROOT, MerkleProof.root(proof, at + 32, index, leaf, MerkleProof.MEMORY_DEPTH));
    }

    function _need(bytes calldata proof, uint256 at, uint256 size) private pure {
        if (proof.length < at + size) revert ProofTruncated(at, size, proof.length);
    }

    /// @dev A halting transition: only the status changes (§1.2). Returns the witness bytes the step consumed.
    function _halt(uint256 s, uint256 status, uint256 used) private pure returns (uint256) {
        S.set(s, S.STATUS, 1, status);
        return used;
    }

    /// @dev A completed instruction: `pc` moves on and `step` increases. Returns the witness bytes consumed.
    function _next(uint256 s, uint256 pc, uint256 used) private pure returns (uint256) {
        S.set(s, S.PC, 4, pc & M32);
        S.set(s, S.STEP, 8, S.get(s, S.STEP, 8) + 1);
        return used;
    }

    /// @dev Little-endian value of `size` bytes at byte `off` of a leaf.
    function _loadLE(bytes32 leaf, uint256 off, uint256 size) private pure returns (uint256 v) {
        uint256 be = (uint256(leaf) >> ((32 - off - size) << 3)) & _lowMask(size);
        v = _bswap(be, size);
    }

    /// @dev The leaf with `size` bytes at `off` replaced by the little-endian bytes of `v`.
    function _storeLE(bytes32 leaf, uint256 off, uint256 size, uint256 v) private pure returns (bytes32) {
        uint256 shift = (32 - off - size) << 3;
        uint256 mask = _lowMask(size) << shift;
        uint256 be = _bswap(v & _lowMask(size), size);
        return bytes32((uint256(leaf) & ~mask) | (be << shift));
    }

    /// @dev 2^k for the access size of a load or store (k = 0..2).
    function _pow2(uint256 k) private pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := shl(k, 1)
        }
    }

    /// @dev A mask of the low `size` bytes.
    function _lowMask(uint256 size) private pure returns (uint256 m) {
        assembly ("memory-safe") {
            m := sub(shl(shl(3, size), 1), 1)
        }
    }

    function _bswap(uint256 v, uint256 size) private pure returns (uint256) {
        if (size == 1) return v;
        if (size == 2) return ((v & 0xff) << 8) | (v >> 8);
        return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
    }

    /// @dev `dst` with its `n` bytes (1..32) at `dstOff` replaced by the `n` bytes of `src` at `srcOff`.
    function _copy(bytes32 dst, uint256 dstOff, bytes32 src, uint256 srcOff, uint256 n) private pure returns (bytes32) {
        uint256 mask = type(uint256).max << ((32 - n) << 3);
        uint256 piece = (uint256(src) << (srcOff << 3)) & mask;
        return bytes32((uint256(dst) & ~(mask >> (dstOff << 3))) | (piece >> (dstOff << 3)));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _immI(uint256 insn) private pure returns (uint256 imm) {
        assembly ("memory-safe") {
            imm := and(sar(20, signextend(3, insn)), 0xffffffff)
        }
    }

    function _immS(uint256 insn) private pure returns (uint256 imm) {
        assembly ("memory-safe") {
            imm := and(or(shl(5, sar(25, signextend(3, insn))), and(shr(7, insn), 31)), 0xffffffff)
        }
    }

    function _immB(uint256 insn) private pure returns (uint256 imm) {
        assembly ("memory-safe") {
            let sign := shl(12, sar(31, signextend(3, insn))) // bits 12.. all copies of bit 31
            imm := or(
                sign,
                or(shl(11, and(shr(7, insn), 1)), or(shl(5, and(shr(25, insn), 0x3f)), shl(1, and(shr(8, insn), 0xf))))
            )
            imm := and(imm, 0xffffffff)
        }
    }

    function _immJ(uint256 insn) private pure returns (uint256 imm) {
        assembly ("memory-safe") {
            let sign := shl(20, sar(31, signextend(3, insn)))
            imm := or(
                sign,
                or(and(insn, 0xff000), or(shl(11, and(shr(20, insn), 1)), shl(1, and(shr(21, insn), 0x3ff))))
            )
            imm := and(imm, 0xffffffff)
        }
    }
}
