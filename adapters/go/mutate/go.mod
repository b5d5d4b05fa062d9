module tokencachecompat/mutate

go 1.22
