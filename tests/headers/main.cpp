// test_headers: the real check is that every generated file (one per public
// header, each included on its own) compiled. Linking them into one program
// also catches a non-inline definition in a header (a duplicate symbol).
int main() { return 0; }
