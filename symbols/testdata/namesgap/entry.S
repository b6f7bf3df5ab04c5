/* An assembler source: its DWARF unit has labels but no types or variables. */
	.text
	.globl	asm_entry
asm_entry:
	ret
