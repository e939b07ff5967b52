def log = new File(basedir, 'build.log').text
assert log.contains('reprodiff:record refuses to run on CI (CI=1; CI counts as set unless it is empty, false or 0): goldens are recorded on a developer\'s machine and committed. Pass -Dreprodiff.golden.forceRecord=true to record anyway.')
assert !log.contains('T E S T S')
assert !new File(basedir, 'src/test/resources/goldens').exists()
true
