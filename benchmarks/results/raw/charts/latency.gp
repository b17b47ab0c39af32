set terminal pngcairo size 1400,720 noenhanced font 'sans,10'
set output 'latency.png'
set title 'End-to-end latency: LogBus and its peers, one run (full); lower is better'
set ylabel 'ms (log scale)'
set datafile separator '\t'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key outside right top
set xtics rotate by 30 right
set bmargin 10
set lmargin 16
plot 'raw/charts/latency.dat' using 2:xtic(1) title 'LogBus', '' using 3 title 'LogBus (linger 0)', '' using 4 title 'MassTransit RabbitMQ'
