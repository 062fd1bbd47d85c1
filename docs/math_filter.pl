#!/usr/bin/perl
# Doxygen input filter for the course's Markdown pages: GitHub's math becomes Doxygen's.
#
#   $x^2$             ->  \f$x^2\f$     inline
#   $`x^2`$           ->  \f$x^2\f$     inline, GitHub's form with backticks
#   $$ ... $$         ->  \f[ ... \f]   display, may span lines
#   ```math ... ```   ->  \f[ ... \f]   display, GitHub's fenced form
#
# Everything else is copied unchanged: fenced and indented code blocks, inline `code`
# spans, backslash escapes (\$ stays \$, which Doxygen prints as $), formulas already
# written as \f$...\f$ or \f[...\f], and every $ that does not open math by GitHub's rules:
# an opening $ is followed by a non-space, a closing $ follows a non-space and is not
# followed by a digit, so "costs $5 and $10" and a lone $HOME stay text. Line breaks are
# kept one for one, so Doxygen's warnings point at the right line of the original file.
#
# Usage (Doxygen's FILTER_PATTERNS runs it this way): perl math_filter.pl FILE
use strict;
use warnings;

binmode STDIN;
binmode STDOUT;

my $text = do { local $/; <> };
$text = '' unless defined $text;

# Paragraph-level pass: decide, line by line, what is code (copied as is) and what is text
# (collected into paragraphs, because inline math and code spans may span line breaks).
my @paragraph;         # text lines not yet converted
my $closing_fence;     # inside a fenced block: the regex of its closing line
my $math_fence = 0;    # the fenced block is ```math
my $previous_blank = 1;
my $in_list = 0;       # indentation continues a list item rather than starting code
my $in_indented_code = 0;

sub flush_paragraph {
  print convert_inline(join '', @paragraph) if @paragraph;
  @paragraph = ();
}

for my $line (split /(?<=\n)/, $text) {
  if (defined $closing_fence) {
    if ($line =~ $closing_fence) {
      print $math_fence ? "$1\\f]$2" : $line;
      undef $closing_fence;
    } else {
      print $line;
    }
    next;
  }

  my $blank = $line =~ /^[ \t]*\r?\n?$/;
  my $indented = $line =~ /^(?: {4}|\t)/;

  if ($in_indented_code && ($blank || $indented)) {
    print $line;
    next;
  }
  $in_indented_code = 0;

  # A backtick fence's info string has no backtick (else the line is a code span).
  if ($line =~ /^([ \t]*)(`{3,}(?=[^`]*$)|~{3,})[ \t]*([^\n]*?)[ \t]*(\r?\n?)$/) {
    my ($indent, $fence, $info, $eol) = ($1, $2, $3, $4);
    flush_paragraph();
    my $char = substr($fence, 0, 1);
    my $length = length $fence;
    $closing_fence = qr/^([ \t]*)\Q$char\E{$length,}[ \t]*(\r?\n?)$/;
    $math_fence = $info =~ /^math\b/;
    print $math_fence ? "$indent\\f[$eol" : $line;
    $previous_blank = 0;
    next;
  }

  if ($blank) {
    flush_paragraph();
    print $line;
    $previous_blank = 1;
    next;
  }

  if ($indented && $previous_blank && !$in_list && !@paragraph) {
    print $line;
    $in_indented_code = 1;
    next;
  }

  if ($line =~ /^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]/) {
    $in_list = 1;
  } elsif ($previous_blank && !$indented) {
    $in_list = 0;
  }
  push @paragraph, $line;
  $previous_blank = 0;
}
flush_paragraph();
if (defined $closing_fence && $math_fence) {
  print "\\f]\n";  # an unclosed ```math block would swallow the rest of the page
}

# Inline pass over one paragraph: a left-to-right scan, so whichever of code span and math
# starts first wins, as in GitHub's renderer.
sub convert_inline {
  my ($s) = @_;
  my $out = '';
  pos($s) = 0;
  while (pos($s) < length $s) {
    if ($s =~ /\G(\\f\$.*?\\f\$|\\f\[.*?\\f\]|\\f\{.*?\\f\}\{?)/gcs) {
      $out .= $1;  # already a Doxygen formula
    } elsif ($s =~ /\G(\\.)/gcs) {
      $out .= $1;  # an escape such as \$ or \`
    } elsif ($s =~ /\G\$((?>`+))(.+?)(?<!`)\1(?!`)\$/gcs) {
      $out .= "\\f\$$2\\f\$";
    } elsif ($s =~ /\G(((?>`+)).*?(?<!`)\2(?!`))/gcs) {
      $out .= $1;  # a code span
    } elsif ($s =~ /\G(`+)/gc) {
      $out .= $1;  # backticks without a partner are text
    } elsif ($s =~ /\G\$\$(.+?)\$\$/gcs) {
      $out .= "\\f[$1\\f]";
    } elsif ($s =~ /\G\$(?![ \t\r\n\$])((?:\\.|[^\$\\])+?)(?<![ \t\r\n])\$(?!\d)/gcs) {
      $out .= "\\f\$$1\\f\$";
    } elsif ($s =~ /\G([^\\`\$]+|.)/gcs) {
      $out .= $1;
    }
  }
  return $out;
}
