import type { StackFrame } from './types';

/**
 * Library vs application frames. The rules look at the printed path and symbol only, so they work for paths
 * from other machines (containers, CI); they err towards "in app" for anything unrecognised.
 */
const PATH_RULES: Record<string, RegExp> = {
  node: /(?:^|[\\/])node_modules[\\/]|^node:|^webpack:\/\/\/(?:webpack\/|\(webpack\))|^internal[\\/]|^<anonymous>$|^native$|^webpack\/(?:bootstrap|runtime)|^\(webpack\)/,
  browser: /(?:^|[\\/])node_modules[\\/]|^(?:chrome|moz|safari(?:-web)?)-extension:\/\/|\/~\/|\/\(webpack\)\//,
  python: /[\\/](?:site|dist)-packages[\\/]|[\\/]lib[\\/]python\d(?:\.\d{1,2})?[\\/]|[\\/]Lib[\\/](?!site-packages)|^<frozen |[\\/]\.venv[\\/]|[\\/]venv[\\/]lib[\\/]/,
  go: /^\/usr\/local\/go\/src\/|^\/usr\/lib\/go(?:-[\d.]+)?\/src\/|\/go\/pkg\/mod\/|(?:^|\/)vendor\/|^\$GOROOT\/|\/hostedtoolcache\/go\//,
  ruby: /(?:^|[\\/])gems[\\/]|[\\/]lib[\\/]ruby[\\/]|^<internal:|[\\/]rubygems[\\/]|[\\/]bundler[\\/]/,
  php: /(?:^|[\\/])vendor[\\/]/,
  rust: /^\/rustc\/|[\\/]\.cargo[\\/](?:registry|git)[\\/]|[\\/]cargo[\\/]registry[\\/]|^\/usr\/src\/rustc|[\\/]csu[\\/]|[\\/]sysdeps[\\/]/,
  dotnet: /(?:^|[\\/])\.nuget[\\/]packages[\\/]/,
  java: /(?!)/,
};

const JVM_LIBRARY =
  /^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|akka|groovy|org\.codehaus\.groovy|org\.springframework|org\.apache|org\.hibernate|org\.eclipse|org\.junit|org\.slf4j|ch\.qos\.logback|io\.netty|io\.grpc|io\.micronaut|io\.quarkus|io\.vertx|io\.reactivex|reactor|rx|okhttp3|okio|retrofit2|com\.fasterxml|com\.google\.common|com\.google\.protobuf|com\.zaxxer|feign|net\.bytebuddy|jakarta|dev\.failsafe|zio|cats|play\.api|play\.core)\./;
const DOTNET_LIBRARY = /^(?:System|Microsoft|Mono|Newtonsoft|NUnit|Xunit|Castle|Polly|Serilog|NLog|Npgsql|StackExchange|Grpc|Google\.Protobuf)\./;
// Top-level packages of the Go standard library (module names without a dot, like "gateway", are common,
// so "no dot in the first element" would misclassify app code).
const GO_STDLIB =
  /^(?:archive|bufio|builtin|bytes|cmp|compress|container|context|crypto|database|debug|embed|encoding|errors|expvar|flag|fmt|go|hash|html|image|index|internal|io|iter|log|maps|math|mime|net|os|path|plugin|reflect|regexp|runtime|slices|sort|strconv|strings|sync|syscall|testing|text|time|unicode|unique|unsafe|weak|vendor|golang\.org\/x)(?:\/|$)/;
const RUST_LIBRARY = /^(?:<?(?:std|core|alloc|__rustc|backtrace|tokio|futures|hyper|tower|axum|actix_\w+|async_std)::|__rust|rust_begin_unwind|_start$|__libc_start|main$|start_thread|clone3?$)/;

export function isInApp(language: string, frame: StackFrame): boolean {
  const file = frame.file?.replace(/^file:\/\//, '');
  const rule = PATH_RULES[language];
  if (file !== undefined && rule?.test(file)) return false;
  switch (language) {
    case 'node':
    case 'browser':
      if (file === undefined) return false; // native frames: "Array.map (<anonymous>)", "[native code]"
      // Old Node printed core modules without a directory ("events.js:123").
      return !(language === 'node' && /^[\w-]+\.js$/.test(file));
    case 'java':
      return !JVM_LIBRARY.test(frame.className ?? '');
    case 'dotnet':
      if (frame.function?.startsWith('(wrapper')) return false;
      return !DOTNET_LIBRARY.test(`${frame.className ?? frame.function ?? ''}.`);
    case 'go': {
      const pkg = frame.module ?? '';
      if (pkg === '' && frame.function !== undefined && /^(?:panic|goexit|main)$/.test(frame.function)) return frame.function === 'main';
      // GOROOT-relative paths (-trimpath builds print "runtime/panic.go").
      return !GO_STDLIB.test(pkg);
    }
    case 'rust':
      return !RUST_LIBRARY.test(frame.function ?? '');
    case 'php':
      return file !== undefined || frame.function === '{main}';
    default:
      return true;
  }
}
