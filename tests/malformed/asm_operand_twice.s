# expect: 3:26: operand rows of MVIN is given twice
loop:
    mvin rows=8, cols=8, rows=4, addr=0   # comment
