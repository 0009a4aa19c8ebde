/* Start code of the RV32IM proving image. Every register starts at 0 in the Verity VM (and qemu-riscv32
 * gives us its own stack), so set gp, sp and tp from link.ld symbols, call main() and exit with its result.
 * Nothing is zeroed: the VM's memory starts zero and qemu maps the NOBITS parts of the load segments zeroed. */
	.section .text.init, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	la	tp, __tls_base
	call	main
	/* fall through: exit(main()) */
	.globl _exit
	.type _exit, @function
_exit:
	li	a7, 93
	ecall
	j	_exit
	.size _start, . - _start

/* abort(): halt with EBREAK (status Breakpoint), as wasm's `unreachable` does on the native side. picolibc's own
 * abort() goes through raise(), which needs getpid/kill. Own section, so --gc-sections drops it when unused. */
	.section .text.abort, "ax", @progbits
	.globl abort
	.type abort, @function
abort:
	ebreak
	j	abort
	.size abort, . - abort
