# expect: 3:18: bad operand 'colz=8' for MVIN
    config_ld stride=64
    mvin rows=8, colz=8, row=0, addr=0
