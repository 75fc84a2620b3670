# frozen_string_literal: true

# Runs seccomp-tools' own CLI (SeccompTools::CLI.work) in-process on a batch
# of jobs and records what it prints, for syswall's reference fixtures.
# Written for syswall; it only drives a seccomp-tools checkout, whose code it
# loads from the directory given as the first argument.
#
#   ruby scripts/seccomp-tools-ref.rb CHECKOUT < jobs.jsonl > results.jsonl
#
# A job is one JSON object per line:
#   {"id": ..., "argv": ["disasm", "prog.bpf", "-a", "amd64"],
#    "files": {"prog.bpf": "<base64>"}, "stdin": "<base64>"?, "timeout": 5}
# A result is one JSON object per line:
#   {"id": ..., "stdout": "<base64>", "error": {"class": ..., "message": ...}?,
#    "timeout": true?, "exit": N?, "ms": N}
# Files are written to a scratch directory that is the working directory of
# the job, so error messages name them as given. stdout is a StringIO, so
# seccomp-tools prints no colour (as when piped). Each job runs in a forked
# child that is killed at the job's time limit.

require 'base64'
require 'json'
require 'stringio'
require 'tmpdir'

checkout = ARGV.fetch(0)
$LOAD_PATH.unshift(File.join(checkout, 'lib'))
require 'seccomp-tools/cli/cli'
require 'seccomp-tools/version'
raise "expected seccomp-tools 1.7.1, got #{SeccompTools::VERSION}" unless SeccompTools::VERSION == '1.7.1'

real_stdout = $stdout
real_stdin = $stdin

# Runs one job in a forked child (so a job that seccomp-tools makes run for
# minutes, or grow to gigabytes, is killed at its time limit without taking
# the batch down) and returns its result hash.
def run_job(job, work)
  reader, writer = IO.pipe
  pid = fork do
    reader.close
    Dir.chdir(work)
    out = StringIO.new(''.b)
    res = {}
    begin
      $stdout = out
      $stdin = StringIO.new(Base64.strict_decode64(job['stdin'] || ''))
      SeccompTools::CLI.work(job['argv'])
    rescue SystemExit => e
      res['exit'] = e.status
    rescue NoMemoryError, StandardError, ScriptError, SystemStackError => e
      res['error'] = { 'class' => e.class.name, 'message' => e.message.dup.force_encoding('BINARY').unpack1('H*') }
    end
    res['stdout'] = Base64.strict_encode64(out.string)
    writer.write(JSON.generate(res))
    writer.close
    exit!(0)
  end
  writer.close
  data = +''
  eof = false
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + (job['timeout'] || 5)
  until eof
    left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
    break if left <= 0 || !IO.select([reader], nil, nil, left)

    chunk = reader.read_nonblock(1 << 16, exception: false)
    if chunk.nil? then eof = true
    elsif chunk != :wait_readable then data << chunk
    end
  end
  reader.close
  unless eof
    Process.kill('KILL', pid)
    Process.waitpid(pid)
    return { 'timeout' => true, 'stdout' => '' }
  end
  Process.waitpid(pid)
  return { 'error' => { 'class' => 'ChildDied', 'message' => '' }, 'stdout' => '' } if data.empty?

  JSON.parse(data)
end

Dir.mktmpdir('st-ref-') do |work|
  real_stdin.each_line do |line|
    job = JSON.parse(line)
    Dir.children(work).each { |f| File.delete(File.join(work, f)) }
    (job['files'] || {}).each { |name, b64| File.binwrite(File.join(work, name), Base64.strict_decode64(b64)) }
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    res = run_job(job, work)
    res['id'] = job['id']
    res['ms'] = ((Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0) * 1000).round
    real_stdout.puts(JSON.generate(res))
    real_stdout.flush
  end
end
