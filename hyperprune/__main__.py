from hyperprune.cli import main

raise SystemExit(main())
