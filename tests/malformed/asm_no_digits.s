# expect: 2:38: has no digits
    mvin rows=8, cols=8, row=0, addr=0x_
