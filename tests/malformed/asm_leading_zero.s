# expect: 2:38: has a leading zero
    mvin rows=8, cols=8, row=0, addr=017
