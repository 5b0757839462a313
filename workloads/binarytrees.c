/*
 * binarytrees.c - the Benchmarks Game "binary-trees" benchmark, for wasmbench.
 *
 * Builds perfect binary trees, walks them to count their nodes, and frees
 * them: a test of memory allocation (adapted from Hans Boehm's GCBench).
 *
 * Benchmarks Game rules followed:
 *   - every tree node (leaves included, same node type) is allocated on its
 *     own with malloc() and released with free(); no arenas, pools, free
 *     lists or other custom allocation scheme;
 *   - each tree is fully built before any of its nodes is freed;
 *   - min_depth = 4, max_depth = max(min_depth + 2, N);
 *   - a "stretch" tree of depth max_depth + 1 is built, checked and freed;
 *   - a long-lived tree of depth max_depth stays alive until the end;
 *   - for depth = 4, 6, ... <= max_depth, 2^(max_depth - depth + min_depth)
 *     trees are built bottom-up, checked (node count) and freed;
 *   - output lines exactly as the reference programs.
 *
 * Usage: binarytrees N      (N: integer, 0 <= N <= 30; official sizes 10 / 21)
 * Portable C99, single-threaded, standard library only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "single_arg.h"

#define MIN_DEPTH 4
#define MAX_N 30

typedef struct node {
    struct node *left;
    struct node *right;
} node;

static node *new_node(void)
{
    node *n = malloc(sizeof *n);
    if (n == NULL) {
        fprintf(stderr, "binarytrees: out of memory\n");
        exit(1);
    }
    return n;
}

/* Build a perfect tree of the given depth, children before parent. */
static node *bottom_up_tree(int depth)
{
    node *n;

    if (depth > 0) {
        node *left = bottom_up_tree(depth - 1);
        node *right = bottom_up_tree(depth - 1);
        n = new_node();
        n->left = left;
        n->right = right;
    } else {
        n = new_node();
        n->left = NULL;
        n->right = NULL;
    }
    return n;
}

/* Count the nodes of a tree. */
static long long item_check(const node *n)
{
    if (n->left == NULL) {
        return 1;
    }
    return 1 + item_check(n->left) + item_check(n->right);
}

static void delete_tree(node *n)
{
    if (n->left != NULL) {
        delete_tree(n->left);
        delete_tree(n->right);
    }
    free(n);
}

int main(int argc, char **argv)
{
    int n = (int)parse_single_arg(argc, argv, 0, MAX_N, "binarytrees", "maximum tree depth");
    int max_depth = (n > MIN_DEPTH + 2) ? n : MIN_DEPTH + 2;
    int stretch_depth = max_depth + 1;
    node *stretch;
    node *long_lived;
    int depth;

    stretch = bottom_up_tree(stretch_depth);
    printf("stretch tree of depth %d\t check: %lld\n", stretch_depth,
           item_check(stretch));
    delete_tree(stretch);

    long_lived = bottom_up_tree(max_depth);

    for (depth = MIN_DEPTH; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + MIN_DEPTH);
        long long check = 0;
        long i;

        for (i = 0; i < iterations; i++) {
            node *t = bottom_up_tree(depth);
            check += item_check(t);
            delete_tree(t);
        }
        printf("%ld\t trees of depth %d\t check: %lld\n", iterations, depth,
               check);
    }

    printf("long lived tree of depth %d\t check: %lld\n", max_depth,
           item_check(long_lived));
    delete_tree(long_lived);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "binarytrees: error writing output\n");
        return 1;
    }
    return 0;
}
