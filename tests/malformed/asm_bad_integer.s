# expect: 2:38: '0x1g' is not an integer or a label
    mvin rows=8, cols=8, row=0, addr=0x1g
