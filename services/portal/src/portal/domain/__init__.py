"""The portal's pure logic: formats, words, the answer's rules, attachment signatures."""
