# Read by CTest after the scan suite's discovered tests (tests/CMakeLists.txt).
set_tests_properties(
  scan.TiktokClips.TrackDecisionsGiveOneWholeAppearancePerPositiveClipAndNoneForStrangers
  PROPERTIES LABELS "scan;slow" TIMEOUT 1800)
