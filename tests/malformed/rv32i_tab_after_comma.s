# expect: 3:14: does not fit
addi x1,	x0, 1
addi x2,	x1,	99999
