# expect: 3:38: unknown label 'nowhere'
    mvin	rows=8,	cols=8, row=0, addr=0
    mvin rows=8,	cols=8,	row=0,	addr=nowhere
