"""Author-time script that (re)writes ``problems.jsonl``: the bundled code problems.

``python m1env/data/code/build.py`` runs each problem's first correct solution (a
plain subprocess: these are our own programs) on the problem's inputs to produce the
expected outputs, checks that every wrong solution fails at least one test, and
writes one JSON line per problem. Nothing imports this module at run time.

Stdin problems use CodeContests-style ``public_tests``/``private_tests`` (the public
ones are the statement's examples); call-based problems use APPS ``input_output``
with ``fn_name``. Row fields: ``id``, ``title``, ``difficulty`` (1-10), ``statement``,
``reference``, ``starter_code``, ``solutions`` and ``wrong_solutions`` (by language).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PY = "/usr/bin/python3"
OUT = Path(__file__).with_name("problems.jsonl")
PROBLEMS: list[dict[str, Any]] = []


def stdin_problem(
    pid,
    title,
    difficulty,
    statement,
    examples,
    hidden,
    solution,
    wrong,
    cpp=None,
    checker=None,
    time_limit=None,
):
    PROBLEMS.append(
        dict(
            kind="stdin",
            id=pid,
            title=title,
            difficulty=difficulty,
            statement=statement,
            examples=examples,
            hidden=hidden,
            solution=solution,
            wrong=wrong,
            cpp=cpp,
            checker=checker,
            time_limit=time_limit,
        )
    )


def call_problem(
    pid, title, difficulty, statement, fn_name, starter, examples, hidden, solution, wrong
):
    PROBLEMS.append(
        dict(
            kind="call",
            id=pid,
            title=title,
            difficulty=difficulty,
            statement=statement,
            fn_name=fn_name,
            starter=starter,
            examples=examples,
            hidden=hidden,
            solution=solution,
            wrong=wrong,
        )
    )


R = random.Random(20261126)


def ints(n, lo, hi):
    return [R.randint(lo, hi) for _ in range(n)]


def line(xs):
    return " ".join(map(str, xs))


# ---------------------------------------------------------------- stdin problems
stdin_problem(
    "sum-two",
    "Sum of Two",
    1,
    "Read two integers a and b (|a|, |b| <= 10^18) on one line and print a + b.",
    ["1 2\n", "-5 5\n"],
    [f"{R.randint(-(10**18), 10**18)} {R.randint(-(10**18), 10**18)}\n" for _ in range(5)]
    + ["1000000000000000000 999999999999999999\n"],
    "a, b = map(int, input().split())\nprint(a + b)\n",
    ["a, b = map(float, input().split())\nprint(int(a + b))\n"],
    cpp='#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
)
stdin_problem(
    "max-list",
    "Largest Number",
    1,
    "The first line holds n (1 <= n <= 10^5), the second n integers (|x| <= 10^9). Print the largest.",
    ["3\n1 7 4\n"],
    ["4\n-3 -1 -7 -2\n", "1\n0\n", "5\n5 5 5 5 5\n"]
    + [f"{n}\n{line(ints(n, -(10**9), 10**9))}\n" for n in (10, 1000)],
    "input()\nprint(max(map(int, input().split())))\n",
    [
        "input()\nbest = 0\nfor x in map(int, input().split()):\n    best = max(best, x)\nprint(best)\n"
    ],
    cpp='#include <cstdio>\nint main(){int n;scanf("%d",&n);long long b=-(1LL<<60),x;for(int i=0;i<n;i++){scanf("%lld",&x);if(x>b)b=x;}printf("%lld\\n",b);}\n',
)
stdin_problem(
    "count-vowels",
    "Counting Vowels",
    1,
    "Read one line of text and print how many of its characters are vowels (a, e, i, o, u, in either case).",
    ["Hello World\n"],
    ["AEIOU aeiou\n", "rhythm\n", "Programming Is FUN\n", "xyz AbEcIdOfU\n"],
    "s = input()\nprint(sum(c in 'aeiouAEIOU' for c in s))\n",
    ["s = input()\nprint(sum(c in 'aeiou' for c in s))\n"],
)
stdin_problem(
    "reverse-words",
    "Reverse the Words",
    2,
    "Read one line of space-separated words and print the words in reverse order, separated by single spaces.",
    ["the quick brown fox\n"],
    ["a\n", "one two\n", "hello big wide world\n", "x y z w v\n"],
    "print(' '.join(input().split()[::-1]))\n",
    ["print(input()[::-1])\n"],
)
stdin_problem(
    "fizzbuzz",
    "FizzBuzz",
    1,
    "Read n (1 <= n <= 1000). For i = 1..n print, one per line: FizzBuzz if 15 divides i, Fizz if 3 does, Buzz if 5 does, else i.",
    ["5\n"],
    ["15\n", "1\n", "31\n", "100\n"],
    "n = int(input())\nfor i in range(1, n + 1):\n    print('FizzBuzz' if i % 15 == 0 else 'Fizz' if i % 3 == 0 else 'Buzz' if i % 5 == 0 else i)\n",
    [
        "n = int(input())\nfor i in range(1, n + 1):\n    print('Fizz' if i % 3 == 0 else 'Buzz' if i % 5 == 0 else 'FizzBuzz' if i % 15 == 0 else i)\n"
    ],
    cpp='#include <cstdio>\nint main(){int n;scanf("%d",&n);for(int i=1;i<=n;i++){if(i%15==0)puts("FizzBuzz");else if(i%3==0)puts("Fizz");else if(i%5==0)puts("Buzz");else printf("%d\\n",i);}}\n',
)
stdin_problem(
    "prime-queries",
    "Prime or Not",
    2,
    "The first line holds q (1 <= q <= 1000); each of the next q lines an integer x (1 <= x <= 10^9). For each, print YES if x is prime, else NO.",
    ["3\n2\n9\n13\n"],
    [
        "4\n1\n4\n97\n1000000007\n",
        "3\n999999937\n999999938\n3\n",
        "10\n" + "\n".join(map(str, ints(10, 1, 10**6))) + "\n",
    ],
    "import sys\n\ndef prime(x):\n    if x < 2:\n        return False\n    i = 2\n    while i * i <= x:\n        if x % i == 0:\n            return False\n        i += 1\n    return True\n\ndata = sys.stdin.read().split()\nprint('\\n'.join('YES' if prime(int(x)) else 'NO' for x in data[1:]))\n",
    [
        "import sys\n\ndef prime(x):\n    i = 2\n    while i * i <= x:\n        if x % i == 0:\n            return False\n        i += 1\n    return True\n\ndata = sys.stdin.read().split()\nprint('\\n'.join('YES' if prime(int(x)) else 'NO' for x in data[1:]))\n"
    ],
)
stdin_problem(
    "gcd-lcm",
    "GCD and LCM",
    2,
    "Read two positive integers a and b (<= 10^9) and print gcd(a, b) and lcm(a, b) separated by a space.",
    ["4 6\n"],
    ["7 13\n", "12 12\n", "1000000000 999999999\n", "18 24\n", "1 1\n"],
    "from math import gcd\na, b = map(int, input().split())\ng = gcd(a, b)\nprint(g, a // g * b)\n",
    ["from math import gcd\na, b = map(int, input().split())\nprint(gcd(a, b), a * b)\n"],
    cpp='#include <cstdio>\n#include <numeric>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);long long g=std::gcd(a,b);printf("%lld %lld\\n",g,a/g*b);}\n',
)
stdin_problem(
    "palindrome",
    "Almost a Palindrome",
    2,
    "Read one line. Ignoring case and every character that is not a letter or digit, is it a palindrome? Print YES or NO.",
    ["A man, a plan, a canal: Panama\n"],
    ["race a car\n", "No 'x' in Nixon\n", "ab\n", "Was it a car or a cat I saw?\n", "12321\n"],
    "s = [c.lower() for c in input() if c.isalnum()]\nprint('YES' if s == s[::-1] else 'NO')\n",
    ["s = input()\nprint('YES' if s == s[::-1] else 'NO')\n"],
)
stdin_problem(
    "fib-mod",
    "Fibonacci Modulo",
    3,
    "F(0) = 0, F(1) = 1, F(n) = F(n-1) + F(n-2). Read n (0 <= n <= 10^6) and print F(n) mod 1000000007.",
    ["10\n"],
    ["0\n", "1\n", "2\n", "50\n", "1000000\n"],
    "n = int(input())\na, b = 0, 1\nfor _ in range(n):\n    a, b = b, (a + b) % 1000000007\nprint(a)\n",
    [
        "n = int(input())\na, b = 0, 1\nfor _ in range(n):\n    a, b = b, (a + b) % 1000000007\nprint(b)\n"
    ],
)
stdin_problem(
    "range-sums",
    "Range Sums",
    3,
    "The first line holds n and q (1 <= n, q <= 10^5); the second n integers; each of the next q lines l r (1 <= l <= r <= n). For each query print the sum of elements l..r (inclusive, 1-based).",
    ["5 3\n1 2 3 4 5\n1 5\n2 3\n4 4\n"],
    [
        (
            lambda n, q: (
                f"{n} {q}\n{line(ints(n, -1000, 1000))}\n"
                + "".join(
                    f"{min(a, b)} {max(a, b)}\n" for a, b in (ints(2, 1, n) for _ in range(q))
                )
            )
        )(n, q)
        for n, q in ((1, 1), (10, 10), (2000, 2000))
    ],
    "import sys\ndata = sys.stdin.buffer.read().split()\nn, q = int(data[0]), int(data[1])\npre = [0]\nfor x in data[2:2 + n]:\n    pre.append(pre[-1] + int(x))\nout = []\nfor i in range(q):\n    l, r = int(data[2 + n + 2 * i]), int(data[3 + n + 2 * i])\n    out.append(pre[r] - pre[l - 1])\nprint('\\n'.join(map(str, out)))\n",
    [
        "import sys\ndata = sys.stdin.buffer.read().split()\nn, q = int(data[0]), int(data[1])\npre = [0]\nfor x in data[2:2 + n]:\n    pre.append(pre[-1] + int(x))\nout = []\nfor i in range(q):\n    l, r = int(data[2 + n + 2 * i]), int(data[3 + n + 2 * i])\n    out.append(pre[r - 1] - pre[l - 1])\nprint('\\n'.join(map(str, out)))\n"
    ],
    cpp='#include <cstdio>\n#include <vector>\nint main(){int n,q;scanf("%d %d",&n,&q);std::vector<long long> p(n+1,0);for(int i=1;i<=n;i++){long long x;scanf("%lld",&x);p[i]=p[i-1]+x;}while(q--){int l,r;scanf("%d %d",&l,&r);printf("%lld\\n",p[r]-p[l-1]);}}\n',
)
stdin_problem(
    "count-le",
    "At Most x",
    3,
    "The first line holds n and q; the second n integers sorted in non-decreasing order; the third q integers x. For each x print how many array elements are <= x, space-separated.",
    ["5 3\n1 3 3 5 9\n3 0 10\n"],
    [
        (lambda a, xs: f"{len(a)} {len(xs)}\n{line(a)}\n{line(xs)}\n")(
            sorted(ints(n, 0, 50)), ints(n, -5, 55)
        )
        for n in (1, 8, 500)
    ],
    "from bisect import bisect_right\ninput()\na = list(map(int, input().split()))\nprint(*(bisect_right(a, int(x)) for x in input().split()))\n",
    [
        "from bisect import bisect_left\ninput()\na = list(map(int, input().split()))\nprint(*(bisect_left(a, int(x)) for x in input().split()))\n"
    ],
)
stdin_problem(
    "pair-sum",
    "A Pair With the Sum",
    4,
    "The first line holds n and t (2 <= n <= 10^5); the second n integers a_1..a_n. Print two indices i < j (1-based) with a_i + a_j = t, or -1 if there are none. Any valid pair is accepted.",
    ["4 9\n2 7 11 15\n"],
    [
        "5 6\n3 3 1 5 2\n",
        "3 6\n3 1 4\n",
        "4 8\n4 1 2 7\n",
        "3 100\n1 2 3\n",
        "6 0\n-1 1 -2 2 0 5\n",
        "2 4\n2 2\n",
        f"1000 {R.randint(0, 200)}\n{line(ints(1000, 0, 100))}\n",
    ],
    "n, t = map(int, input().split())\na = list(map(int, input().split()))\nseen = {}\nfor j, x in enumerate(a):\n    if t - x in seen:\n        print(seen[t - x] + 1, j + 1)\n        break\n    seen.setdefault(x, j)\nelse:\n    print(-1)\n",
    [
        "n, t = map(int, input().split())\na = list(map(int, input().split()))\npos = {x: i for i, x in enumerate(a)}\nfor i, x in enumerate(a):\n    if t - x in pos:\n        print(i + 1, pos[t - x] + 1)\n        break\nelse:\n    print(-1)\n"
    ],
    cpp='#include <cstdio>\n#include <map>\nint main(){int n;long long t;scanf("%d %lld",&n,&t);std::map<long long,int> s;for(int j=1;j<=n;j++){long long x;scanf("%lld",&x);auto it=s.find(t-x);if(it!=s.end()){printf("%d %d\\n",it->second,j);return 0;}if(!s.count(x))s[x]=j;}puts("-1");}\n',
    checker=(
        "import sys\n"
        "def main():\n"
        "    data = open('input.txt').read().split()\n"
        "    n, t = int(data[0]), int(data[1])\n"
        "    a = [int(x) for x in data[2:2 + n]]\n"
        "    want = open('answer.txt').read().split()\n"
        "    got = open('output.txt').read().split()\n"
        "    if want == ['-1']:\n"
        "        sys.exit(0 if got == ['-1'] else 1)\n"
        "    if len(got) != 2 or not all(g.lstrip('-').isdigit() and len(g) < 12 for g in got):\n"
        "        print('expected two indices'); sys.exit(1)\n"
        "    i, j = int(got[0]), int(got[1])\n"
        "    if not 1 <= i < j <= n:\n"
        "        print(f'bad indices {i} {j}'); sys.exit(1)\n"
        "    if a[i - 1] + a[j - 1] != t:\n"
        "        print(f'a[{i}] + a[{j}] != {t}'); sys.exit(1)\n"
        "main()\n"
    ),
)
stdin_problem(
    "brackets",
    "Balanced Brackets",
    3,
    "Read a string of the characters ()[]{} (length <= 10^5). Print YES if it is balanced, else NO.",
    ["([]{})\n", "(]\n"],
    [")(\n", "((()))\n", "([)]\n", "{[()()]}\n", "(((\n", "[]\n"],
    "s = input().strip()\nstack = []\npairs = {')': '(', ']': '[', '}': '{'}\nok = True\nfor c in s:\n    if c in '([{':\n        stack.append(c)\n    elif not stack or stack.pop() != pairs[c]:\n        ok = False\n        break\nprint('YES' if ok and not stack else 'NO')\n",
    [
        "s = input().strip()\nok = all(s.count(a) == s.count(b) for a, b in ('()', '[]', '{}'))\nprint('YES' if ok else 'NO')\n"
    ],
)
stdin_problem(
    "transpose",
    "Transpose",
    2,
    "The first line holds r and c; then r lines of c integers. Print the transposed matrix: c lines of r integers.",
    ["2 3\n1 2 3\n4 5 6\n"],
    ["1 1\n7\n", "3 1\n1\n2\n3\n", "3 3\n1 2 3\n4 5 6\n7 8 9\n", "2 4\n1 0 0 1\n5 6 7 8\n"],
    "r, c = map(int, input().split())\nm = [input().split() for _ in range(r)]\nfor j in range(c):\n    print(' '.join(m[i][j] for i in range(r)))\n",
    [
        "r, c = map(int, input().split())\nm = [input().split() for _ in range(r)]\nfor j in range(min(r, c)):\n    print(' '.join(m[i][j] for i in range(min(r, c))))\n"
    ],
)
stdin_problem(
    "lis",
    "Longest Increasing Subsequence",
    5,
    "The first line holds n (1 <= n <= 10^5), the second n integers. Print the length of the longest strictly increasing subsequence (not necessarily contiguous).",
    ["6\n10 9 2 5 3 7\n"],
    [
        "1\n5\n",
        "5\n5 4 3 2 1\n",
        "8\n1 3 2 4 3 5 4 6\n",
        "6\n3 1 4 1 5 9\n",
        f"2000\n{line(ints(2000, 0, 10**6))}\n",
    ],
    "from bisect import bisect_left\ninput()\ntails = []\nfor x in map(int, input().split()):\n    i = bisect_left(tails, x)\n    if i == len(tails):\n        tails.append(x)\n    else:\n        tails[i] = x\nprint(len(tails))\n",
    [
        "input()\na = list(map(int, input().split()))\nbest = run = 1\nfor i in range(1, len(a)):\n    run = run + 1 if a[i] > a[i - 1] else 1\n    best = max(best, run)\nprint(best)\n"
    ],
)
stdin_problem(
    "coin-change",
    "Fewest Coins",
    5,
    "The first line holds k and s (1 <= k <= 20, 0 <= s <= 10^4); the second the k coin values. Print the fewest coins (unlimited supply of each) that sum to s, or -1 if impossible.",
    ["3 11\n1 2 5\n"],
    ["3 6\n1 3 4\n", "1 3\n2\n", "2 0\n3 7\n", "4 63\n1 5 10 21\n", "3 9999\n7 13 29\n"],
    "k, s = map(int, input().split())\ncoins = list(map(int, input().split()))\nINF = float('inf')\nbest = [0] + [INF] * s\nfor v in range(1, s + 1):\n    for c in coins:\n        if c <= v and best[v - c] + 1 < best[v]:\n            best[v] = best[v - c] + 1\nprint(best[s] if best[s] != INF else -1)\n",
    [
        "k, s = map(int, input().split())\ncoins = sorted(map(int, input().split()), reverse=True)\nn = 0\nfor c in coins:\n    n += s // c\n    s %= c\nprint(n if s == 0 else -1)\n"
    ],
)
stdin_problem(
    "knapsack",
    "Knapsack",
    6,
    "The first line holds n and W (1 <= n <= 100, 1 <= W <= 10^4); each of the next n lines a weight and a value. Print the largest total value of items (each used at most once) with total weight <= W.",
    ["3 50\n10 60\n20 100\n30 120\n"],
    [
        "1 5\n6 10\n",
        "4 10\n5 10\n4 40\n6 30\n3 50\n",
        "3 4\n1 1\n3 4\n4 5\n",
        "60 1000\n"
        + "".join(f"{w} {v}\n" for w, v in zip(ints(60, 1, 100), ints(60, 1, 1000), strict=True)),
    ],
    "n, W = map(int, input().split())\nbest = [0] * (W + 1)\nfor _ in range(n):\n    w, v = map(int, input().split())\n    for cap in range(W, w - 1, -1):\n        best[cap] = max(best[cap], best[cap - w] + v)\nprint(best[W])\n",
    [
        "n, W = map(int, input().split())\nitems = sorted((tuple(map(int, input().split())) for _ in range(n)), key=lambda t: -t[1] / t[0])\ntotal = 0\nfor w, v in items:\n    if w <= W:\n        W -= w\n        total += v\nprint(total)\n"
    ],
)
stdin_problem(
    "grid-path",
    "Through the Maze",
    5,
    "The first line holds r and c (<= 500); then r lines of c characters: '.' free, '#' wall, 'S' start, 'E' end. Moving up/down/left/right, print the fewest steps from S to E, or -1.",
    ["3 4\nS..#\n.#..\n...E\n"],
    [
        "1 2\nSE\n",
        "2 2\nS#\n#E\n",
        "3 3\nS#E\n.#.\n...\n",
        "5 5\nS....\n####.\n.....\n.####\n....E\n",
    ],
    "from collections import deque\nr, c = map(int, input().split())\ng = [input() for _ in range(r)]\nstart = next((i, j) for i in range(r) for j in range(c) if g[i][j] == 'S')\ndist = {start: 0}\nq = deque([start])\nans = -1\nwhile q:\n    i, j = q.popleft()\n    if g[i][j] == 'E':\n        ans = dist[(i, j)]\n        break\n    for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):\n        if 0 <= a < r and 0 <= b < c and g[a][b] != '#' and (a, b) not in dist:\n            dist[(a, b)] = dist[(i, j)] + 1\n            q.append((a, b))\nprint(ans)\n",
    [
        "r, c = map(int, input().split())\ng = [input() for _ in range(r)]\ns = next((i, j) for i in range(r) for j in range(c) if g[i][j] == 'S')\ne = next((i, j) for i in range(r) for j in range(c) if g[i][j] == 'E')\nprint(abs(s[0] - e[0]) + abs(s[1] - e[1]))\n"
    ],
)
stdin_problem(
    "components",
    "Connected Components",
    4,
    "The first line holds n and m (1 <= n <= 10^5, 0 <= m <= 10^5); each of the next m lines an edge u v (1-based). Print the number of connected components.",
    ["5 3\n1 2\n2 3\n4 5\n"],
    [
        "1 0\n",
        "4 0\n",
        "3 3\n1 2\n2 3\n3 1\n",
        "6 2\n1 6\n2 5\n",
        "300 150\n" + "".join(f"{u} {v}\n" for u, v in (ints(2, 1, 300) for _ in range(150))),
    ],
    "import sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nparent = list(range(n + 1))\ndef find(x):\n    while parent[x] != x:\n        parent[x] = parent[parent[x]]\n        x = parent[x]\n    return x\ncount = n\nfor i in range(m):\n    a, b = find(int(data[2 + 2 * i])), find(int(data[3 + 2 * i]))\n    if a != b:\n        parent[a] = b\n        count -= 1\nprint(count)\n",
    [
        "import sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nprint(n - m)\n"
    ],
)
stdin_problem(
    "dijkstra",
    "Cheapest Route",
    6,
    "The first line holds n and m (n <= 10^4, m <= 5*10^4); each of the next m lines a directed edge u v w (1 <= w <= 1000). Print the cheapest cost from node 1 to each node 1..n, space-separated; -1 where unreachable.",
    ["4 4\n1 2 1\n2 3 2\n1 3 5\n3 4 1\n"],
    [
        "1 0\n",
        "3 1\n2 3 4\n",
        "3 3\n1 2 10\n1 3 1\n3 2 1\n",
        "50 200\n"
        + "".join(
            f"{u} {v} {w}\n"
            for u, v, w in (
                (R.randint(1, 50), R.randint(1, 50), R.randint(1, 1000)) for _ in range(200)
            )
        ),
    ],
    "import heapq, sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nadj = [[] for _ in range(n + 1)]\nfor i in range(m):\n    u, v, w = (int(x) for x in data[2 + 3 * i: 5 + 3 * i])\n    adj[u].append((v, w))\ndist = [-1] * (n + 1)\nheap = [(0, 1)]\nwhile heap:\n    d, u = heapq.heappop(heap)\n    if dist[u] != -1:\n        continue\n    dist[u] = d\n    for v, w in adj[u]:\n        if dist[v] == -1:\n            heapq.heappush(heap, (d + w, v))\nprint(*dist[1:])\n",
    [
        "from collections import deque\nimport sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nadj = [[] for _ in range(n + 1)]\nfor i in range(m):\n    u, v, w = (int(x) for x in data[2 + 3 * i: 5 + 3 * i])\n    adj[u].append((v, w))\ndist = [-1] * (n + 1)\ndist[1] = 0\nq = deque([1])\nwhile q:\n    u = q.popleft()\n    for v, w in adj[u]:\n        if dist[v] == -1:\n            dist[v] = dist[u] + w\n            q.append(v)\nprint(*dist[1:])\n"
    ],
)
stdin_problem(
    "edit-distance",
    "Edit Distance",
    6,
    "Read two lines, strings a and b (length <= 2000, lowercase). Print the least number of single-character insertions, deletions and substitutions turning a into b.",
    ["kitten\nsitting\n"],
    ["a\na\n", "abc\nyabd\n", "intention\nexecution\n", "abcdef\nazced\n", "ab\nba\n"],
    "a, b = input().strip(), input().strip()\nprev = list(range(len(b) + 1))\nfor i, x in enumerate(a, 1):\n    cur = [i]\n    for j, y in enumerate(b, 1):\n        cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))\n    prev = cur\nprint(prev[-1])\n",
    [
        "a, b = input().strip(), input().strip()\nprint(sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b)))\n"
    ],
)
stdin_problem(
    "mean",
    "Average",
    2,
    "The first line holds n (1 <= n <= 1000), the second n integers. Print their mean; answers within 10^-6 (absolute or relative) are accepted.",
    ["4\n1 2 3 5\n"],
    ["1\n7\n", "3\n1 1 2\n", "2\n-3 4\n", "6\n1 2 3 4 5 7\n"],
    "n = int(input())\nprint(f'{sum(map(int, input().split())) / n:.9f}')\n",
    ["n = int(input())\nprint(sum(map(int, input().split())) // n)\n"],
)
stdin_problem(
    "topo-order",
    "Smallest Schedule",
    6,
    "Tasks 1..n with m constraints 'u before v'. The first line holds n and m; then m lines u v. Print the lexicographically smallest order that satisfies every constraint, or -1 if none exists.",
    ["4 3\n1 2\n4 3\n2 3\n"],
    ["3 0\n", "2 2\n1 2\n2 1\n", "5 4\n5 1\n4 1\n3 2\n1 2\n", "6 3\n6 1\n5 2\n4 3\n"],
    "import heapq\nn, m = map(int, input().split())\nadj = [[] for _ in range(n + 1)]\nindeg = [0] * (n + 1)\nfor _ in range(m):\n    u, v = map(int, input().split())\n    adj[u].append(v)\n    indeg[v] += 1\nheap = [i for i in range(1, n + 1) if indeg[i] == 0]\nheapq.heapify(heap)\norder = []\nwhile heap:\n    u = heapq.heappop(heap)\n    order.append(u)\n    for v in adj[u]:\n        indeg[v] -= 1\n        if indeg[v] == 0:\n            heapq.heappush(heap, v)\nprint(*order if len(order) == n else [-1])\n",
    [
        "from collections import deque\nn, m = map(int, input().split())\nadj = [[] for _ in range(n + 1)]\nindeg = [0] * (n + 1)\nfor _ in range(m):\n    u, v = map(int, input().split())\n    adj[u].append(v)\n    indeg[v] += 1\nq = deque(i for i in range(1, n + 1) if indeg[i] == 0)\norder = []\nwhile q:\n    u = q.popleft()\n    order.append(u)\n    for v in adj[u]:\n        indeg[v] -= 1\n        if indeg[v] == 0:\n            q.append(v)\nprint(*order if len(order) == n else [-1])\n"
    ],
)
stdin_problem(
    "inversions",
    "Counting Inversions",
    7,
    "The first line holds n (1 <= n <= 10^5), the second n integers. Print the number of pairs i < j with a_i > a_j. Time limit: 2 seconds.",
    ["5\n2 4 1 3 5\n"],
    ["1\n1\n", "4\n4 3 2 1\n", "6\n1 1 1 2 2 0\n", f"20000\n{line(ints(20000, 0, 10**6))}\n"],
    "import sys\nsys.setrecursionlimit(10000)\ndef sort(a):\n    if len(a) <= 1:\n        return a, 0\n    mid = len(a) // 2\n    left, x = sort(a[:mid])\n    right, y = sort(a[mid:])\n    merged, inv, i, j = [], x + y, 0, 0\n    while i < len(left) and j < len(right):\n        if left[i] <= right[j]:\n            merged.append(left[i]); i += 1\n        else:\n            merged.append(right[j]); j += 1; inv += len(left) - i\n    merged += left[i:] + right[j:]\n    return merged, inv\ninput()\nprint(sort(list(map(int, input().split())))[1])\n",
    [
        "input()\na = list(map(int, input().split()))\nprint(sum(1 for i in range(len(a)) for j in range(i + 1, len(a)) if a[i] > a[j]))\n"
    ],
    cpp='#include <cstdio>\n#include <vector>\nlong long inv=0;void ms(std::vector<long long>&a,std::vector<long long>&t,int l,int r){if(r-l<2)return;int m=(l+r)/2;ms(a,t,l,m);ms(a,t,m,r);int i=l,j=m,k=l;while(i<m&&j<r){if(a[i]<=a[j])t[k++]=a[i++];else{inv+=m-i;t[k++]=a[j++];}}while(i<m)t[k++]=a[i++];while(j<r)t[k++]=a[j++];for(int q=l;q<r;q++)a[q]=t[q];}\nint main(){int n;scanf("%d",&n);std::vector<long long>a(n),t(n);for(auto&x:a)scanf("%lld",&x);ms(a,t,0,n);printf("%lld\\n",inv);}\n',
    time_limit=2.0,
)
stdin_problem(
    "mst",
    "Cheapest Network",
    7,
    "The first line holds n and m (n <= 10^4, m <= 10^5); each of the next m lines an undirected edge u v w. Print the total weight of a minimum spanning tree, or -1 if the graph is disconnected.",
    ["4 5\n1 2 1\n2 3 4\n1 3 3\n3 4 2\n2 4 5\n"],
    [
        "1 0\n",
        "3 1\n1 2 5\n",
        "3 3\n1 2 1\n2 3 1\n1 3 1\n",
        "40 300\n"
        + "".join(
            f"{u} {v} {w}\n"
            for u, v, w in (
                (R.randint(1, 40), R.randint(1, 40), R.randint(1, 10**6)) for _ in range(300)
            )
        ),
    ],
    "import sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nedges = sorted((int(data[4 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])) for i in range(m))\nparent = list(range(n + 1))\ndef find(x):\n    while parent[x] != x:\n        parent[x] = parent[parent[x]]\n        x = parent[x]\n    return x\ntotal, used = 0, 0\nfor w, u, v in edges:\n    a, b = find(u), find(v)\n    if a != b:\n        parent[a] = b\n        total += w\n        used += 1\nprint(total if used == n - 1 else -1)\n",
    [
        "import sys\ndata = sys.stdin.read().split()\nn, m = int(data[0]), int(data[1])\nw = sorted(int(data[4 + 3 * i]) for i in range(m))\nprint(sum(w[:n - 1]) if m >= n - 1 else -1)\n"
    ],
    cpp='#include <cstdio>\n#include <vector>\n#include <algorithm>\n#include <tuple>\nstd::vector<int> p;int f(int x){while(p[x]!=x){p[x]=p[p[x]];x=p[x];}return x;}\nint main(){int n,m;scanf("%d %d",&n,&m);std::vector<std::tuple<long long,int,int>> e(m);for(auto&[w,u,v]:e)scanf("%d %d %lld",&u,&v,&w);std::sort(e.begin(),e.end());p.resize(n+1);for(int i=0;i<=n;i++)p[i]=i;long long t=0;int used=0;for(auto&[w,u,v]:e){int a=f(u),b=f(v);if(a!=b){p[a]=b;t+=w;used++;}}if(used==n-1)printf("%lld\\n",t);else puts("-1");}\n',
)

# ---------------------------------------------------------------- call-based problems
call_problem(
    "anagram",
    "Anagrams",
    1,
    "Write is_anagram(s, t) returning True if t is a rearrangement of the letters of s, else False.",
    "is_anagram",
    "def is_anagram(s: str, t: str) -> bool:\n",
    [["listen", "silent"], ["rat", "car"]],
    [["aab", "abb"], ["", ""], ["a", "aa"], ["dormitory", "dirtyroom"]],
    "from collections import Counter\n\ndef is_anagram(s, t):\n    return Counter(s) == Counter(t)\n",
    ["def is_anagram(s, t):\n    return set(s) == set(t)\n"],
)
call_problem(
    "rotate",
    "Rotate Right",
    2,
    "Write rotate(nums, k) returning the list nums rotated right by k steps (k >= 0 may exceed the length).",
    "rotate",
    "def rotate(nums: list[int], k: int) -> list[int]:\n",
    [[[1, 2, 3, 4, 5], 2]],
    [[[1], 5], [[1, 2], 3], [[], 4], [[1, 2, 3, 4, 5, 6, 7], 0], [[9, 8, 7], 7]],
    "def rotate(nums, k):\n    if not nums:\n        return []\n    k %= len(nums)\n    return nums[-k:] + nums[:-k] if k else list(nums)\n",
    [
        "def rotate(nums, k):\n    if not nums:\n        return []\n    k %= len(nums)\n    return nums[k:] + nums[:k]\n"
    ],
)
call_problem(
    "roman",
    "Roman Numerals",
    2,
    "Write roman_to_int(s) returning the value of the Roman numeral s (1 to 3999).",
    "roman_to_int",
    "def roman_to_int(s: str) -> int:\n",
    [["III"], ["LVIII"]],
    [["IV"], ["IX"], ["MCMXCIV"], ["MMMCMXCIX"], ["XL"]],
    "def roman_to_int(s):\n    v = {'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}\n    total = 0\n    for i, c in enumerate(s):\n        if i + 1 < len(s) and v[c] < v[s[i + 1]]:\n            total -= v[c]\n        else:\n            total += v[c]\n    return total\n",
    [
        "def roman_to_int(s):\n    v = {'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}\n    return sum(v[c] for c in s)\n"
    ],
)
call_problem(
    "max-subarray",
    "Maximum Subarray",
    4,
    "Complete class Solution with method maxSubArray(self, nums) returning the largest sum of a non-empty contiguous subarray.",
    "maxSubArray",
    "class Solution:\n    def maxSubArray(self, nums: List[int]) -> int:\n",
    [[[-2, 1, -3, 4, -1, 2, 1, -5, 4]]],
    [[[1]], [[-3, -1, -2]], [[5, 4, -1, 7, 8]], [[-1]], [[2, -1, 2, -1, 2]]],
    "class Solution:\n    def maxSubArray(self, nums: List[int]) -> int:\n        best = cur = nums[0]\n        for x in nums[1:]:\n            cur = max(x, cur + x)\n            best = max(best, cur)\n        return best\n",
    [
        "class Solution:\n    def maxSubArray(self, nums: List[int]) -> int:\n        best = cur = 0\n        for x in nums:\n            cur = max(0, cur + x)\n            best = max(best, cur)\n        return best\n"
    ],
)
call_problem(
    "merge-intervals",
    "Merge Intervals",
    4,
    "Write merge(intervals) taking a list of [start, end] pairs and returning the merged, non-overlapping intervals sorted by start (touching intervals merge).",
    "merge",
    "def merge(intervals: list[list[int]]) -> list[list[int]]:\n",
    [[[[1, 3], [2, 6], [8, 10], [15, 18]]]],
    [
        [[[1, 4], [4, 5]]],
        [[[5, 6], [1, 2]]],
        [[[1, 10], [2, 3], [4, 5]]],
        [[[3, 4]]],
        [[[6, 8], [1, 9], [2, 4], [4, 7]]],
    ],
    "def merge(intervals):\n    out = []\n    for s, e in sorted(intervals):\n        if out and s <= out[-1][1]:\n            out[-1][1] = max(out[-1][1], e)\n        else:\n            out.append([s, e])\n    return out\n",
    [
        "def merge(intervals):\n    out = []\n    for s, e in intervals:\n        if out and s <= out[-1][1]:\n            out[-1][1] = max(out[-1][1], e)\n        else:\n            out.append([s, e])\n    return out\n"
    ],
)
call_problem(
    "word-freq",
    "Word Frequencies",
    3,
    "Write word_freq(text) returning a dict mapping each word (lower-cased; words are maximal runs of letters) to its count.",
    "word_freq",
    "def word_freq(text: str) -> dict[str, int]:\n",
    [["The cat and the hat."]],
    [[""], ["a A a"], ["Hello, hello; HELLO!"], ["one two  three two one one"]],
    "import re\n\ndef word_freq(text):\n    out = {}\n    for w in re.findall('[a-zA-Z]+', text):\n        out[w.lower()] = out.get(w.lower(), 0) + 1\n    return out\n",
    [
        "import re\n\ndef word_freq(text):\n    out = {}\n    for w in re.findall('[a-zA-Z]+', text):\n        out[w] = out.get(w, 0) + 1\n    return out\n"
    ],
)
call_problem(
    "median",
    "Median",
    2,
    "Write median(nums) returning the median of a non-empty list of numbers as a float (the mean of the two middle values for even lengths).",
    "median",
    "def median(nums: list[int]) -> float:\n",
    [[[3, 1, 2]], [[4, 1, 3, 2]]],
    [[[7]], [[1, 2]], [[5, 5, 5, 5]], [[10, -10, 3, 4, 100, 0]]],
    "def median(nums):\n    s = sorted(nums)\n    n = len(s)\n    return float(s[n // 2]) if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2\n",
    ["def median(nums):\n    s = sorted(nums)\n    return float(s[len(s) // 2])\n"],
)
call_problem(
    "islands",
    "Counting Islands",
    5,
    "Write count_islands(grid) taking a list of strings of '1' (land) and '0' (water) and returning the number of islands (land cells joined horizontally or vertically).",
    "count_islands",
    "def count_islands(grid: list[str]) -> int:\n",
    [[["11000", "11000", "00100", "00011"]]],
    [
        [["1"]],
        [["0"]],
        [["101", "010", "101"]],
        [["111", "101", "111"]],
        [["1001", "0110", "0110", "1001"]],
    ],
    "def count_islands(grid):\n    seen = set()\n    count = 0\n    for i, row in enumerate(grid):\n        for j, ch in enumerate(row):\n            if ch == '1' and (i, j) not in seen:\n                count += 1\n                stack = [(i, j)]\n                seen.add((i, j))\n                while stack:\n                    a, b = stack.pop()\n                    for x, y in ((a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)):\n                        if 0 <= x < len(grid) and 0 <= y < len(grid[x]) and grid[x][y] == '1' and (x, y) not in seen:\n                            seen.add((x, y))\n                            stack.append((x, y))\n    return count\n",
    [
        "def count_islands(grid):\n    seen = set()\n    count = 0\n    for i, row in enumerate(grid):\n        for j, ch in enumerate(row):\n            if ch == '1' and (i, j) not in seen:\n                count += 1\n                stack = [(i, j)]\n                seen.add((i, j))\n                while stack:\n                    a, b = stack.pop()\n                    for x in (a - 1, a, a + 1):\n                        for y in (b - 1, b, b + 1):\n                            if 0 <= x < len(grid) and 0 <= y < len(grid[x]) and grid[x][y] == '1' and (x, y) not in seen:\n                                seen.add((x, y))\n                                stack.append((x, y))\n    return count\n"
    ],
)
call_problem(
    "unique-paths",
    "Paths Around Rocks",
    5,
    "Write unique_paths(grid) taking a list of strings ('.' free, '#' rock) and returning the number of paths from the top-left to the bottom-right cell moving only right or down.",
    "unique_paths",
    "def unique_paths(grid: list[str]) -> int:\n",
    [[["...", ".#.", "..."]]],
    [
        [["."]],
        [["#"]],
        [["..", ".."]],
        [[".#", ".."]],
        [["....", "...#", "#...", "...."]],
        [["." * 12] * 12],
    ],
    "def unique_paths(grid):\n    r, c = len(grid), len(grid[0])\n    ways = [[0] * c for _ in range(r)]\n    for i in range(r):\n        for j in range(c):\n            if grid[i][j] == '#':\n                continue\n            if i == 0 and j == 0:\n                ways[i][j] = 1\n            else:\n                ways[i][j] = (ways[i - 1][j] if i else 0) + (ways[i][j - 1] if j else 0)\n    return ways[-1][-1]\n",
    [
        "from math import comb\n\ndef unique_paths(grid):\n    r, c = len(grid), len(grid[0])\n    return comb(r + c - 2, r - 1)\n"
    ],
)
call_problem(
    "kth-largest",
    "K-th Largest",
    3,
    "Write kth_largest(nums, k) returning the k-th largest element of nums (1 <= k <= len(nums); duplicates count separately).",
    "kth_largest",
    "def kth_largest(nums: list[int], k: int) -> int:\n",
    [[[3, 2, 1, 5, 6, 4], 2]],
    [[[1], 1], [[3, 2, 3, 1, 2, 4, 5, 5, 6], 4], [[7, 7, 7], 3], [[-1, -2, -3], 1]],
    "import heapq\n\ndef kth_largest(nums, k):\n    return heapq.nlargest(k, nums)[-1]\n",
    ["def kth_largest(nums, k):\n    return sorted(set(nums), reverse=True)[k - 1]\n"],
)
call_problem(
    "longest-unique",
    "Longest Substring Without Repeats",
    5,
    "Write longest_unique(s) returning the length of the longest substring of s with no repeated character.",
    "longest_unique",
    "def longest_unique(s: str) -> int:\n",
    [["abcabcbb"], ["bbbbb"]],
    [["pwwkew"], [""], ["abba"], ["dvdf"], ["abcdefg"]],
    "def longest_unique(s):\n    last = {}\n    start = best = 0\n    for i, c in enumerate(s):\n        if last.get(c, -1) >= start:\n            start = last[c] + 1\n        last[c] = i\n        best = max(best, i - start + 1)\n    return best\n",
    [
        "def longest_unique(s):\n    last = {}\n    start = best = 0\n    for i, c in enumerate(s):\n        if c in last:\n            start = last[c] + 1\n        last[c] = i\n        best = max(best, i - start + 1)\n    return best\n"
    ],
)
call_problem(
    "n-queens",
    "Counting Queens",
    8,
    "Write total_queens(n) returning the number of ways to place n non-attacking queens on an n x n board (1 <= n <= 10).",
    "total_queens",
    "def total_queens(n: int) -> int:\n",
    [[4], [1]],
    [[2], [3], [5], [6], [8], [10]],
    "def total_queens(n):\n    def place(row, cols, d1, d2):\n        if row == n:\n            return 1\n        total = 0\n        for c in range(n):\n            if c not in cols and row - c not in d1 and row + c not in d2:\n                total += place(row + 1, cols | {c}, d1 | {row - c}, d2 | {row + c})\n        return total\n    return place(0, frozenset(), frozenset(), frozenset())\n",
    [
        "def total_queens(n):\n    def place(row, cols, d1):\n        if row == n:\n            return 1\n        total = 0\n        for c in range(n):\n            if c not in cols and row - c not in d1:\n                total += place(row + 1, cols | {c}, d1 | {row - c})\n        return total\n    return place(0, frozenset(), frozenset())\n"
    ],
)


# ---------------------------------------------------------------- build
def run_stdin(source: str, data: str, timeout: float = 10.0) -> str | None:
    try:
        proc = subprocess.run(
            [PY, "-c", source], input=data, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    return proc.stdout if proc.returncode == 0 else None


def check(checker: str, data: str, got: str | None, answer: str) -> bool:
    if got is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("input.txt", data), ("output.txt", got), ("answer.txt", answer)):
            Path(tmp, name).write_text(text)
        return subprocess.run([PY, "-c", checker], cwd=tmp, capture_output=True).returncode == 0


def run_call(source: str, fn_name: str, args: list[Any]) -> Any:
    ns: dict[str, Any] = {"__name__": "solution"}
    exec("from typing import *", ns)
    exec(source, ns)
    fn = ns.get(fn_name) or getattr(ns["Solution"](), fn_name)
    return json.loads(json.dumps(fn(*json.loads(json.dumps(args)))))


def build_stdin(p: dict[str, Any]) -> dict[str, Any]:
    inputs = p["examples"] + p["hidden"]
    outputs = []
    for data in inputs:
        out = run_stdin(p["solution"], data)
        assert out is not None, (p["id"], data[:50])
        outputs.append(out)
    for wrong in p["wrong"]:
        if p["checker"] is None:
            assert any(
                run_stdin(wrong, d, 5.0) != o for d, o in zip(inputs, outputs, strict=True)
            ), p["id"]
        else:
            got = [run_stdin(wrong, d, 5.0) for d in inputs]
            assert not all(
                check(p["checker"], d, g, o) for d, g, o in zip(inputs, got, outputs, strict=True)
            ), p["id"]
    k = len(p["examples"])
    reference: dict[str, Any] = {
        "public_tests": {"input": inputs[:k], "output": outputs[:k]},
        "private_tests": {"input": inputs[k:], "output": outputs[k:]},
    }
    if p["checker"]:
        reference["checker"] = {"language": "python3", "source": p["checker"]}
    if p["time_limit"]:
        reference["time_limit"] = p["time_limit"]
    examples = "\n".join(
        f"Example {n + 1}\nInput:\n{i}Output:\n{o}"
        for n, (i, o) in enumerate(zip(inputs[:k], outputs[:k], strict=True))
    )
    statement = (
        f"{p['statement']}\n\nRead from standard input and write to standard output.\n\n{examples}"
    )
    solutions = {"python3": [p["solution"]]}
    if p["cpp"]:
        solutions["c++"] = [p["cpp"]]
    return dict(
        id=p["id"],
        title=p["title"],
        difficulty=p["difficulty"],
        statement=statement.rstrip(),
        reference=reference,
        starter_code="",
        solutions=solutions,
        wrong_solutions={"python3": p["wrong"]},
    )


def build_call(p: dict[str, Any]) -> dict[str, Any]:
    inputs = p["examples"] + p["hidden"]
    outputs = [run_call(p["solution"], p["fn_name"], args) for args in inputs]
    for wrong in p["wrong"]:
        assert any(
            run_call(wrong, p["fn_name"], a) != o for a, o in zip(inputs, outputs, strict=True)
        ), p["id"]
    k = len(p["examples"])
    examples = "\n".join(
        f"{p['fn_name']}({', '.join(map(repr, args))}) == {out!r}"
        for args, out in zip(inputs[:k], outputs[:k], strict=True)
    )
    statement = f"{p['statement']}\n\nExamples:\n{examples}\n\nStarter code:\n{p['starter']}"
    return dict(
        id=p["id"],
        title=p["title"],
        difficulty=p["difficulty"],
        statement=statement.rstrip(),
        reference={"input_output": {"inputs": inputs, "outputs": outputs, "fn_name": p["fn_name"]}},
        starter_code=p["starter"],
        solutions={"python3": [p["solution"]]},
        wrong_solutions={"python3": p["wrong"]},
    )


def main() -> None:
    rows = [build_stdin(p) if p["kind"] == "stdin" else build_call(p) for p in PROBLEMS]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with OUT.open("w", encoding="utf-8") as fh:
        for row in sorted(rows, key=lambda r: (r["difficulty"], r["id"])):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} problems to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
