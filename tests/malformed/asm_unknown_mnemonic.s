# expect: 3:5: unknown instruction 'mvinn'
    mvin rows=8, cols=8, row=0, addr=0
    mvinn rows=8, cols=8, row=0, addr=0
