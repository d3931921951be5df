# expect: 3:12: rows=-1 does not fit u8
    config_ld stride=64
    mvin   rows=-1 , cols=8
