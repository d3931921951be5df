# expect: 2:10: bad operand 'rows 8'
    mvin rows 8, cols=8
