# expect: 2:10: rows=300 does not fit
    mvin rows=300, cols=8, row=0, addr=0
