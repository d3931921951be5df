# commands for vadd
vsplat dst=0, imm=5
vadd dst=2, a=0, q=1
